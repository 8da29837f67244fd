import { createHmac } from 'node:crypto';
import { parseWebUrl } from '../node/url-rules.js';
import { ELEMENT_KEY_PATTERN } from '../protocol-rules.js';
import { isStateStore, MAX_FLOW_TTL_MS } from './state-store.js';
import type { ConnectHandlerOptions, ElementConfig, SiteAddressFunction, StateStore } from './types.js';

/**
 * Every option rule of `createConnectHandler` (docs/protocol.md §12, §12.5): validation with a TypeError naming
 * the first problem, and the resolved shapes the other modules read. Per-element settings and the owner options
 * live here too, beside the rules of the options that hold them.
 */

/** Throws the TypeError of an invalid option, naming the entry point (`ce-connect/server`, `…/redis`). */
export function fail(message: string, entry = 'ce-connect/server'): never {
  throw new TypeError(`${entry}: ${message}`);
}

/** Options after validation, in the shapes the modules use. */
export interface ResolvedOptions extends ResolvedOwnerOptions {
  readonly basePath: string;
  readonly cloudElements: {
    readonly baseUrl: string;
    readonly authorization: string;
    readonly timeoutMs: number;
    readonly oauthUrlRequest: 'get' | 'post';
  };
  readonly elements: ReadonlyMap<string, Readonly<ElementConfig>>;
  readonly cookieSecret: string;
  readonly secureCookies: boolean;
  readonly flowTtlMs: number;
  readonly allowedOrigins: ReadonlySet<string>;
  readonly onInstanceCreated: ConnectHandlerOptions['onInstanceCreated'];
  readonly hookTimeoutMs: number;
  readonly log: (line: string) => void;
  readonly fetch: typeof fetch;
  /** The clock, in epoch milliseconds. */
  readonly now: () => number;
  /** The shared store of used states; `undefined`: this process's memory. */
  readonly stateStore: StateStore | undefined;
  /** The app's name for connect-link pages; `undefined`: links cannot be made. */
  readonly appName: string | undefined;
  /** Every configured secret, so a response can be checked for accidental echoes. */
  readonly secrets: readonly string[];
}

/** The per-element settings, resolved: configuration and tags always present (maybe empty), all frozen. */
export interface ResolvedElementSettings {
  readonly siteAddress: string | SiteAddressFunction | undefined;
  readonly siteConfigurationKey: string | undefined;
  readonly configuration: Readonly<Record<string, string | number | boolean>>;
  readonly tags: readonly string[];
}

/** Tags the handler writes itself; a configured tag may not look like one. */
const RESERVED_TAG = /^ce-connect-(owner:|flow-)/;
/** What the handler may put into a configuration key, a tag or a site address: no control characters. */
const PRINTABLE = /^[^\p{Cc}]+$/u;
/** Longest site address kept in the flow cookie (it travels from oauth/url to the exchange in it). */
const MAX_SITE_LENGTH = 512;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function resolveConfiguration(key: string, value: unknown): Readonly<Record<string, string | number | boolean>> {
  if (value === undefined) return Object.freeze({});
  if (!isPlainObject(value)) fail(`elements.${key}.configuration must be an object of string, number or boolean values`);
  for (const [name, setting] of Object.entries(value)) {
    if (name === '' || name.length > 256 || !PRINTABLE.test(name)) fail(`elements.${key}.configuration has an invalid key`);
    // Key, secret and callback URL come from apiKey/apiSecret/callbackUrl only: one source for both calls.
    if (/^oauth\./i.test(name))
      fail(`elements.${key}.configuration must not set "${name}": oauth.* settings come from apiKey, apiSecret and callbackUrl`);
    const type = typeof setting;
    if (type !== 'string' && type !== 'boolean' && !(type === 'number' && Number.isFinite(setting))) {
      fail(`elements.${key}.configuration["${name}"] must be a string, a finite number or a boolean`);
    }
  }
  return Object.freeze({ ...value } as Record<string, string | number | boolean>);
}

function resolveTags(key: string, value: unknown): readonly string[] {
  if (value === undefined) return Object.freeze([]);
  if (!Array.isArray(value) || value.length > 20) fail(`elements.${key}.tags must be an array of at most 20 strings`);
  for (const tag of value) {
    if (typeof tag !== 'string' || tag.trim() === '' || tag.length > 128 || !PRINTABLE.test(tag)) {
      fail(`elements.${key}.tags must hold non-empty strings of at most 128 characters`);
    }
    if (RESERVED_TAG.test(tag)) fail(`elements.${key}.tags must not start with "ce-connect-owner:" or "ce-connect-flow-"`);
  }
  return Object.freeze([...new Set(value as string[])]);
}

/** Validates `configuration`, `tags`, `siteAddress` and `siteConfigurationKey` of `elements[key]`. */
export function resolveElementSettings(key: string, config: Partial<ElementConfig>): ResolvedElementSettings {
  const { siteAddress, siteConfigurationKey } = config;
  if (siteAddress !== undefined && typeof siteAddress !== 'function' && !isSiteAddress(siteAddress)) {
    fail(`elements.${key}.siteAddress must be a non-empty string or a function (input) => string | null`);
  }
  const configuration = resolveConfiguration(key, config.configuration);
  if (siteConfigurationKey !== undefined) {
    if (typeof siteConfigurationKey !== 'string' || siteConfigurationKey === '' || !PRINTABLE.test(siteConfigurationKey)) {
      fail(`elements.${key}.siteConfigurationKey must be a non-empty string such as "zendesk.subdomain"`);
    }
    if (/^oauth\./i.test(siteConfigurationKey)) fail(`elements.${key}.siteConfigurationKey must not be an oauth.* setting`);
    if (siteAddress === undefined) fail(`elements.${key}.siteConfigurationKey needs a siteAddress`);
    if (Object.hasOwn(configuration, siteConfigurationKey))
      fail(`elements.${key}.configuration must not also set the siteConfigurationKey "${siteConfigurationKey}"`);
  }
  return { siteAddress, siteConfigurationKey, configuration, tags: resolveTags(key, config.tags) };
}

/** A site address the handler passes on and keeps in the flow cookie: 1–512 characters, no control characters. */
export function isSiteAddress(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '' && value.length <= MAX_SITE_LENGTH && PRINTABLE.test(value);
}

/** The owner of every request when the host gives no `authorize` (a single-user setup: unsafe for several users). */
export const DEFAULT_OWNER = 'default';

/** The owner-related options, resolved. */
export interface ResolvedOwnerOptions {
  /** The host's `authorize`, or one that answers {@link DEFAULT_OWNER}. */
  readonly authorize: (request: Request) => unknown;
  readonly onInstanceReconnected: ConnectHandlerOptions['onInstanceReconnected'];
  readonly onInstanceDeleted: ConnectHandlerOptions['onInstanceDeleted'];
  /** HMAC key of the owner tags and of the owner digest in flow cookies. */
  readonly ownerKey: Buffer;
}

function optionalFunction<T>(value: T, name: string): T {
  if (value !== undefined && typeof value !== 'function') fail(`${name} must be a function`);
  return value;
}

/**
 * Validates `authorize`, `onInstanceReconnected`, `onInstanceDeleted` and `ownerTagSecret`. The owner key is
 * derived from `ownerTagSecret`, by default from the Organization secret: it must stay the same for as long as the
 * instances exist (with another key no owner finds their instances again). Not from `cookieSecret`, which can be
 * rotated at the cost of the sign-ins in flight only.
 */
export function resolveOwnerOptions(options: ConnectHandlerOptions, organizationSecret: string): ResolvedOwnerOptions {
  const { ownerTagSecret } = options;
  if (ownerTagSecret !== undefined && (typeof ownerTagSecret !== 'string' || ownerTagSecret.length < 16)) {
    fail('ownerTagSecret must be a string of at least 16 characters');
  }
  return {
    authorize: optionalFunction(options.authorize, 'authorize') ?? (() => DEFAULT_OWNER),
    onInstanceReconnected: optionalFunction(options.onInstanceReconnected, 'onInstanceReconnected'),
    onInstanceDeleted: optionalFunction(options.onInstanceDeleted, 'onInstanceDeleted'),
    ownerKey: createHmac('sha256', ownerTagSecret ?? organizationSecret)
      .update('ce-connect owner tag key v1')
      .digest(),
  };
}

const DEFAULT_BASE_URL = 'https://api.cloud-elements.com/elements/api-v2';

/** Longest delay `setTimeout` honours: a larger one fires after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function requireText(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') fail(`${name} must be a non-empty string`);
  // A secret with a comma or line break would corrupt the Authorization header it is placed in.
  if (/[\r\n,]/.test(value)) fail(`${name} must not contain commas or line breaks`);
  return value;
}

function optionalText(value: unknown, name: string): string | undefined {
  return value === undefined ? undefined : requireText(value, name);
}

function positiveInteger(value: unknown, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > max) {
    fail(`${name} must be a positive integer no larger than ${max}`);
  }
  return value;
}

function resolveBasePath(value: unknown): string {
  if (value === undefined) return '/api/ce';
  if (typeof value !== 'string' || !/^\/[A-Za-z0-9._~/-]*$/.test(value) || value.includes('//')) {
    fail('basePath must be a path such as "/api/ce"');
  }
  // "/" would claim every path of the host (its own routes would get our 404), and a "." or ".." segment can
  // never match: request paths are matched after URL parsing has removed such segments.
  const path = value.replace(/\/+$/, '');
  if (path === '' || path.split('/').some((segment) => segment === '.' || segment === '..')) {
    fail('basePath must be a path below "/" without "." or ".." segments, such as "/api/ce"');
  }
  return path;
}

function resolveElement(key: string, entry: unknown): Readonly<ElementConfig> {
  if (!ELEMENT_KEY_PATTERN.test(key)) fail(`element key "${key}" must match ${ELEMENT_KEY_PATTERN}`);
  // The first path segment of the handler's own routes: an element of that key could never be reached.
  if (key === 'instances' || key === 'link' || key === 'assets') fail(`element key "${key}" is taken by the handler's own routes`);
  if (typeof entry !== 'object' || entry === null) fail(`elements.${key} must be an object`);
  const config = entry as Partial<ElementConfig>;
  // https, or plain http on loopback for local development: a code must never travel in cleartext.
  const callback = parseWebUrl(config.callbackUrl, true);
  if (!callback)
    fail(`elements.${key}.callbackUrl must be an absolute https URL (http only for loopback hosts) without user-info or fragment`);
  return Object.freeze({
    apiKey: requireText(config.apiKey, `elements.${key}.apiKey`),
    apiSecret: requireText(config.apiSecret, `elements.${key}.apiSecret`),
    callbackUrl: config.callbackUrl as string,
    scope: optionalText(config.scope, `elements.${key}.scope`),
    ...resolveElementSettings(key, config),
  });
}

function resolveElements(value: unknown): Map<string, Readonly<ElementConfig>> {
  if (typeof value !== 'object' || value === null) fail('elements must be an object keyed by element key');
  // A Map, so that keys such as "constructor" never resolve to Object.prototype members.
  const elements = new Map(Object.entries(value).map(([key, entry]) => [key, resolveElement(key, entry)] as const));
  if (elements.size === 0) fail('elements must configure at least one element');
  return elements;
}

function resolveOrigins(value: unknown, elements: Map<string, Readonly<ElementConfig>>): Set<string> {
  if (value === undefined) return new Set([...elements.values()].map((e) => new URL(e.callbackUrl).origin));
  if (!Array.isArray(value)) fail('allowedOrigins must be an array of origins');
  return new Set(
    value.map((origin: unknown) => {
      const url = parseWebUrl(origin);
      if (!url || url.origin !== origin) fail(`allowedOrigins entries must be origins such as "https://app.example"`);
      return origin as string;
    }),
  );
}

function resolveSecureCookies(elements: Map<string, Readonly<ElementConfig>>): boolean {
  const schemes = new Set([...elements.values()].map((e) => new URL(e.callbackUrl).protocol));
  // One flow cookie serves every element, so its Secure flag cannot differ per callback URL.
  if (schemes.size > 1) fail('all callbackUrls must use the same scheme (all https, or all http for local development)');
  return schemes.has('https:');
}

function resolveOAuthUrlRequest(value: unknown): 'get' | 'post' {
  if (value === undefined) return 'get';
  if (value !== 'get' && value !== 'post') fail("cloudElements.oauthUrlRequest must be 'get' or 'post'");
  return value;
}

/** `appName` (connect links): 1–100 printable characters; a configured store must then be able to peek (`has`). */
function resolveAppName(options: ConnectHandlerOptions): string | undefined {
  const { appName, stateStore } = options;
  if (appName === undefined) return undefined;
  if (typeof appName !== 'string' || appName.trim() === '' || appName.length > 100 || !PRINTABLE.test(appName)) {
    fail('appName must be a non-empty string of at most 100 characters');
  }
  if (stateStore !== undefined && typeof stateStore.has !== 'function') fail('connect links (appName) need a stateStore with has(key)');
  return appName.trim();
}

/** Validates the handler options and returns them resolved; throws a TypeError naming the first problem. */
export function resolveOptions(options: ConnectHandlerOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) fail('options must be an object');
  const ce = options.cloudElements;
  if (typeof ce !== 'object' || ce === null) fail('cloudElements must be an object');
  const baseUrl = parseWebUrl(ce.baseUrl ?? DEFAULT_BASE_URL, true);
  if (!baseUrl || baseUrl.search) fail('cloudElements.baseUrl must be an https URL (http only for loopback hosts)');
  const userSecret = requireText(ce.userSecret, 'cloudElements.userSecret');
  const organizationSecret = requireText(ce.organizationSecret, 'cloudElements.organizationSecret');
  if (typeof options.cookieSecret !== 'string' || options.cookieSecret.length < 32) {
    fail('cookieSecret must be a string of at least 32 characters');
  }
  if (typeof options.onInstanceCreated !== 'function') {
    fail('onInstanceCreated must be a function (it receives the Element Token to persist)');
  }
  if (options.log !== undefined && typeof options.log !== 'function') fail('log must be a function');
  if (options.fetch !== undefined && typeof options.fetch !== 'function') fail('fetch must be a function');
  if (options.now !== undefined && typeof options.now !== 'function') fail('now must be a function returning epoch milliseconds');
  if (options.stateStore !== undefined && !isStateStore(options.stateStore)) fail('stateStore must have a consumeOnce(key, ttlMs) method');
  const elements = resolveElements(options.elements);
  return {
    basePath: resolveBasePath(options.basePath),
    cloudElements: {
      baseUrl: baseUrl.href.replace(/\/+$/, ''),
      authorization: `User ${userSecret}, Organization ${organizationSecret}`,
      timeoutMs: positiveInteger(ce.timeoutMs, 'cloudElements.timeoutMs', 10_000, MAX_TIMER_MS),
      oauthUrlRequest: resolveOAuthUrlRequest(ce.oauthUrlRequest),
    },
    elements,
    cookieSecret: options.cookieSecret,
    secureCookies: resolveSecureCookies(elements),
    flowTtlMs: positiveInteger(options.flowTtlMs, 'flowTtlMs', MAX_FLOW_TTL_MS, MAX_FLOW_TTL_MS),
    allowedOrigins: resolveOrigins(options.allowedOrigins, elements),
    onInstanceCreated: options.onInstanceCreated,
    hookTimeoutMs: positiveInteger(options.hookTimeoutMs, 'hookTimeoutMs', 10_000, MAX_TIMER_MS),
    log: options.log ?? (() => {}),
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    now: options.now ?? (() => Date.now()),
    stateStore: options.stateStore,
    appName: resolveAppName(options),
    ...resolveOwnerOptions(options, organizationSecret),
    secrets: [
      userSecret,
      organizationSecret,
      options.cookieSecret,
      ...[...elements.values()].map((e) => e.apiSecret),
      ...(typeof options.ownerTagSecret === 'string' ? [options.ownerTagSecret] : []),
    ],
  };
}
