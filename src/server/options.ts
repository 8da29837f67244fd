import { createHmac } from 'node:crypto';
import { parseWebUrl } from '../node/url-rules.js';
import { ELEMENT_KEY_PATTERN } from '../protocol-rules.js';
import { siteAddressProblem } from './element-rules.js';
import {
  checkOAuth1Callback,
  refuseOAuthSettings,
  resolveAuth,
  resolveDisplayName,
  resolveFields,
  resolveOwnOrigin,
} from './kind-options.js';
import { isStateStore, MAX_FLOW_TTL_MS } from './state-store.js';
import type { ConnectHandlerOptions, ElementConfig, EventsOptions, SiteAddressFunction, StateStore } from './types.js';

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
  /** The `events` option resolved; `undefined` when events are not configured (`POST {basePath}/events` is 404). */
  readonly events: ResolvedEvents | undefined;
  // --- sign-in kinds (kind-options.ts) ---
  /** The app's name on the credentials form. */
  /** The public origin of the handler's pages; set whenever a credentials element is configured. */
  readonly ownOrigin: string | undefined;
}

/** The per-element settings, resolved: configuration and tags always present (maybe empty), all frozen. */
export interface ResolvedElementSettings {
  readonly siteAddress: string | SiteAddressFunction | undefined;
  readonly siteConfigurationKey: string | undefined;
  readonly configuration: Readonly<Record<string, string | number | boolean>>;
  readonly tags: readonly string[];
}

/** Tags the handler writes itself; a configured tag may not look like one. */
const RESERVED_TAG = /^ce-connect-(owner:|owner-sealed:|flow-)/;
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
  if (!isPlainObject(value))
    fail(`elements.${key}.configuration must be an object of string, number or boolean values`);
  for (const [name, setting] of Object.entries(value)) {
    if (name === '' || name.length > 256 || !PRINTABLE.test(name))
      fail(`elements.${key}.configuration has an invalid key`);
    if (isReservedConfigurationKey(name))
      fail(`elements.${key}.configuration must not set "${name}": ${RESERVED_CONFIGURATION_REASON}`);
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
    if (RESERVED_TAG.test(tag))
      fail(
        `elements.${key}.tags must not start with "ce-connect-owner:", "ce-connect-owner-sealed:" or "ce-connect-flow-"`,
      );
  }
  return Object.freeze([...new Set(value as string[])]);
}

// ---- Calls as Cloud Elements documents them (docs/protocol.md §10.1): scope, oauthUrlParameters, configuration ----

/**
 * Configuration keys the handler or Cloud Elements writes: key, secret and callback URL come from
 * apiKey/apiSecret/callbackUrl only (one source for both calls), and `oauth.user.*` holds the user's tokens.
 * Any other key, `oauth.scope` among them, is the host's to set.
 */
const RESERVED_CONFIGURATION = /^oauth\.(api\.key|api\.secret|callback\.url|user\.)/i;
const RESERVED_CONFIGURATION_REASON =
  'oauth.api.key, oauth.api.secret, oauth.callback.url and oauth.user.* come from the handler';

function isReservedConfigurationKey(name: string): boolean {
  return RESERVED_CONFIGURATION.test(name);
}

/** Query parameters of oauth/url (and oauth/token) the handler sets itself: `oauthUrlParameters` cannot replace them. */
const RESERVED_OAUTH_URL_PARAMETERS = [
  'apiKey',
  'apiSecret',
  'callbackUrl',
  'state',
  'requestToken',
  'scope',
  'siteAddress',
];
/** A query parameter name Cloud Elements documents (`authentication.type`, `use_sandbox`): no spaces or controls. */
const PARAMETER_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Validates `elements[key].oauthUrlParameters`: at most 16 string parameters that do not replace the handler's own. */
export function resolveOAuthUrlParameters(key: string, value: unknown): Readonly<Record<string, string>> | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value) || Object.keys(value).length > 16) {
    fail(`elements.${key}.oauthUrlParameters must be an object of at most 16 string values`);
  }
  for (const [name, parameter] of Object.entries(value)) {
    if (!PARAMETER_NAME.test(name)) fail(`elements.${key}.oauthUrlParameters has an invalid parameter name`);
    if (RESERVED_OAUTH_URL_PARAMETERS.some((reserved) => reserved.toLowerCase() === name.toLowerCase())) {
      fail(
        `elements.${key}.oauthUrlParameters must not set "${name}": the handler sets ${RESERVED_OAUTH_URL_PARAMETERS.join(', ')}`,
      );
    }
    if (typeof parameter !== 'string' || parameter.length > 2048 || !/^[^\p{Cc}]*$/u.test(parameter)) {
      fail(
        `elements.${key}.oauthUrlParameters["${name}"] must be a string of at most 2,048 characters without control characters`,
      );
    }
  }
  return Object.freeze({ ...(value as Record<string, string>) });
}

/** `elements[key].scope`: sent as given, so a comma-separated list (Slack's) is fine; no control characters. */
function resolveScope(key: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '' || value.length > 2048 || !PRINTABLE.test(value)) {
    fail(`elements.${key}.scope must be a non-empty string of at most 2,048 characters without control characters`);
  }
  return value;
}

// ---- end of the documented-calls block ----

/** Validates `configuration`, `tags`, `siteAddress` and `siteConfigurationKey` of `elements[key]`. */
export function resolveElementSettings(key: string, config: Partial<ElementConfig>): ResolvedElementSettings {
  const { siteAddress, siteConfigurationKey } = config;
  if (siteAddress !== undefined && typeof siteAddress !== 'function' && !isSiteAddress(siteAddress)) {
    fail(`elements.${key}.siteAddress must be a non-empty string or a function (input) => string | null`);
  }
  const configuration = resolveConfiguration(key, config.configuration);
  if (siteConfigurationKey !== undefined) {
    if (
      typeof siteConfigurationKey !== 'string' ||
      siteConfigurationKey === '' ||
      !PRINTABLE.test(siteConfigurationKey)
    ) {
      fail(`elements.${key}.siteConfigurationKey must be a non-empty string such as "zendesk.subdomain"`);
    }
    if (isReservedConfigurationKey(siteConfigurationKey)) {
      fail(
        `elements.${key}.siteConfigurationKey must not be "${siteConfigurationKey}": ${RESERVED_CONFIGURATION_REASON}`,
      );
    }
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
  /**
   * Whether the host passed `authorize`. Without it the owner routes (list, status, delete, reconnect) answer 401:
   * every caller would be the same owner, so anyone could delete or reconnect everyone's instances.
   */
  readonly ownerRoutes: boolean;
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
  const authorize = optionalFunction(options.authorize, 'authorize');
  return {
    authorize: authorize ?? (() => DEFAULT_OWNER),
    ownerRoutes: authorize !== undefined,
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

/** A fixed `siteAddress` in the shape the element documents (Zendesk: `acme`, not `https://acme.zendesk.com`). */
function checkSiteShape(key: string, siteAddress: unknown): void {
  const problem = typeof siteAddress === 'string' ? siteAddressProblem(key, siteAddress) : undefined;
  if (problem !== undefined) fail(`elements.${key}.siteAddress: ${problem}`);
}

function resolveElement(key: string, entry: unknown): Readonly<ElementConfig> {
  if (!ELEMENT_KEY_PATTERN.test(key)) fail(`element key "${key}" must match ${ELEMENT_KEY_PATTERN}`);
  // The first path segment of the handler's own routes: an element of that key could never be reached.
  if (key === 'instances' || key === 'link' || key === 'assets')
    fail(`element key "${key}" is taken by the handler's own routes`);
  if (typeof entry !== 'object' || entry === null) fail(`elements.${key} must be an object`);
  const config = entry as Partial<ElementConfig>;
  const auth = resolveAuth(key, config.auth, fail);
  const displayName = resolveDisplayName(key, config.displayName, fail);
  if (auth === 'credentials') {
    // No OAuth app: empty key, secret and callback URL, which nothing of a credentials flow reads.
    refuseOAuthSettings(key, config, fail);
    const settings = resolveElementSettings(key, config);
    const fields = resolveFields(key, config.fields, settings.configuration, fail);
    return Object.freeze({
      apiKey: '',
      apiSecret: '',
      callbackUrl: '',
      auth,
      fields,
      displayName,
      scope: undefined,
      ...settings,
    });
  }
  if (config.fields !== undefined) fail(`elements.${key}.fields is only for a credentials element`);
  // https, or plain http on loopback for local development: a code must never travel in cleartext.
  const callback = parseWebUrl(config.callbackUrl, true);
  if (!callback)
    fail(
      `elements.${key}.callbackUrl must be an absolute https URL (http only for loopback hosts) without user-info or fragment`,
    );
  checkSiteShape(key, config.siteAddress);
  return Object.freeze({
    apiKey: requireText(config.apiKey, `elements.${key}.apiKey`),
    apiSecret: requireText(config.apiSecret, `elements.${key}.apiSecret`),
    callbackUrl: config.callbackUrl as string,
    scope: resolveScope(key, config.scope),
    oauthUrlParameters: resolveOAuthUrlParameters(key, config.oauthUrlParameters),
    auth,
    displayName,
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

/** The elements that sign in through a callback URL (every kind but credentials). */
function withCallback(elements: Map<string, Readonly<ElementConfig>>): Array<Readonly<ElementConfig>> {
  return [...elements.values()].filter((e) => e.auth !== 'credentials');
}

function resolveOrigins(
  value: unknown,
  elements: Map<string, Readonly<ElementConfig>>,
  ownOrigin: string | undefined,
): Set<string> {
  if (value === undefined) {
    const origins = new Set(withCallback(elements).map((e) => new URL(e.callbackUrl).origin));
    if (ownOrigin !== undefined) origins.add(ownOrigin);
    return origins;
  }
  if (!Array.isArray(value)) fail('allowedOrigins must be an array of origins');
  return new Set(
    value.map((origin: unknown) => {
      const url = parseWebUrl(origin);
      if (!url || url.origin !== origin) fail(`allowedOrigins entries must be origins such as "https://app.example"`);
      return origin as string;
    }),
  );
}

function resolveSecureCookies(elements: Map<string, Readonly<ElementConfig>>, ownOrigin: string | undefined): boolean {
  const schemes = new Set(withCallback(elements).map((e) => new URL(e.callbackUrl).protocol));
  if (ownOrigin !== undefined) schemes.add(new URL(ownOrigin).protocol);
  // One flow cookie serves every element, so its Secure flag cannot differ per callback URL.
  if (schemes.size > 1)
    fail('all callbackUrls must use the same scheme (all https, or all http for local development)');
  return schemes.has('https:');
}

function resolveOAuthUrlRequest(value: unknown): 'get' | 'post' {
  if (value === undefined) return 'get';
  if (value !== 'get' && value !== 'post') fail("cloudElements.oauthUrlRequest must be 'get' or 'post'");
  return value;
}

/** `appName` (credentials forms, connect links): 1–100 printable characters. */
function resolveAppName(options: ConnectHandlerOptions): string | undefined {
  const { appName } = options;
  if (appName === undefined) return undefined;
  if (typeof appName !== 'string' || appName.trim() === '' || appName.length > 100 || !PRINTABLE.test(appName)) {
    fail('appName must be a non-empty string of at most 100 characters');
  }
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
  if (options.now !== undefined && typeof options.now !== 'function')
    fail('now must be a function returning epoch milliseconds');
  if (options.stateStore !== undefined && !isStateStore(options.stateStore))
    fail('stateStore must have a consumeOnce(key, ttlMs) method');
  const elements = resolveElements(options.elements);
  const basePath = resolveBasePath(options.basePath);
  for (const [key, config] of elements) checkOAuth1Callback(key, config, basePath, fail);
  const ownOrigin = resolveOwnOrigin(options.origin, elements, fail);
  const events = resolveEvents(options, elements, basePath, ownOrigin);
  return {
    basePath,
    cloudElements: {
      baseUrl: baseUrl.href.replace(/\/+$/, ''),
      authorization: `User ${userSecret}, Organization ${organizationSecret}`,
      timeoutMs: positiveInteger(ce.timeoutMs, 'cloudElements.timeoutMs', 10_000, MAX_TIMER_MS),
      oauthUrlRequest: resolveOAuthUrlRequest(ce.oauthUrlRequest),
    },
    elements,
    cookieSecret: options.cookieSecret,
    secureCookies: resolveSecureCookies(elements, ownOrigin),
    flowTtlMs: positiveInteger(options.flowTtlMs, 'flowTtlMs', MAX_FLOW_TTL_MS, MAX_FLOW_TTL_MS),
    allowedOrigins: resolveOrigins(options.allowedOrigins, elements, ownOrigin),
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
      ...withCallback(elements).map((e) => e.apiSecret),
      ...(typeof options.ownerTagSecret === 'string' ? [options.ownerTagSecret] : []),
      ...(events?.signingKeys ?? []),
    ],
    events,
    ownOrigin,
  };
}

// ── Events after `connected` (docs/events.md) ─────────────────────────────────────────────────────────────────

/** The `events` option after validation. */
export interface ResolvedEvents {
  readonly signingKeys: readonly string[];
  readonly onEvent: EventsOptions['onEvent'];
  readonly ownerOf: EventsOptions['ownerOf'];
  /** The store of delivery ids (the handler's `stateStore`), with `release`; `undefined`: this process's memory. */
  readonly store: (StateStore & Required<Pick<StateStore, 'release'>>) | undefined;
}

/** The instance settings the handler writes for events; an element's own `configuration` may not set them too. */
const EVENT_KEYS = [
  'event.notification.enabled',
  'event.vendor.type',
  'event.notification.callback.url',
  'event.notification.signature.key',
  'event.poller.refresh_interval',
] as const;
const POLLER_CONFIGURATION = 'event.poller.configuration';
/** Cloud Elements' object names: letters, digits, `_`, `-` and `.` (no JSON or path characters). */
const OBJECT_NAME = /^[A-Za-z0-9_.-]{1,100}$/;
const DEFAULT_POLL_MINUTES = 15;

/** The signing keys: 1–10 strings of at least 32 characters, without control characters. */
function resolveSigningKeys(value: unknown): readonly string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > 10)
    fail('events.signingKeys must be an array of 1 to 10 keys');
  for (const key of value) {
    if (typeof key !== 'string' || key.length < 32 || !PRINTABLE.test(key)) {
      fail('events.signingKeys must hold strings of at least 32 characters without control characters');
    }
  }
  return Object.freeze([...(value as string[])]);
}

/** The Cloud Elements event configuration of one element's instances (merged into its `configuration`). */
function eventConfiguration(
  key: string,
  entry: unknown,
  config: Readonly<ElementConfig>,
  callbackUrl: string,
  signingKey: string,
): Record<string, string | number | boolean> {
  if (!isPlainObject(entry)) fail(`elements.${key}.events must be an object`);
  const { vendorType = 'webhook', pollMinutes, objects } = entry as Record<string, unknown>;
  if (vendorType !== 'webhook' && vendorType !== 'polling')
    fail(`elements.${key}.events.vendorType must be "webhook" or "polling"`);
  const own = config.configuration ?? {};
  for (const name of EVENT_KEYS) {
    if (Object.hasOwn(own, name))
      fail(`elements.${key}.configuration must not set "${name}" when elements.${key}.events is set`);
  }
  const settings: Record<string, string | number | boolean> = {
    'event.notification.enabled': true,
    'event.vendor.type': vendorType,
    'event.notification.callback.url': callbackUrl,
    'event.notification.signature.key': signingKey,
  };
  if (vendorType === 'webhook') {
    if (pollMinutes !== undefined || objects !== undefined)
      fail(`elements.${key}.events: pollMinutes and objects are for polling only`);
    return settings;
  }
  settings['event.poller.refresh_interval'] = positiveInteger(
    pollMinutes,
    `elements.${key}.events.pollMinutes`,
    DEFAULT_POLL_MINUTES,
    24 * 60,
  );
  if (objects !== undefined) {
    if (
      !Array.isArray(objects) ||
      objects.length === 0 ||
      !objects.every((name) => typeof name === 'string' && OBJECT_NAME.test(name))
    ) {
      fail(`elements.${key}.events.objects must be a non-empty array of object names such as "contacts"`);
    }
    if (Object.hasOwn(own, POLLER_CONFIGURATION))
      fail(`elements.${key}.configuration must not set "${POLLER_CONFIGURATION}" as well as events.objects`);
    // Cloud Elements' shape: one entry per object; the element's own defaults fill in its URL and date fields.
    settings[POLLER_CONFIGURATION] = JSON.stringify(
      Object.fromEntries((objects as string[]).map((name) => [name, { idField: 'id' }])),
    );
  }
  return settings;
}

/**
 * Validates the `events` option and every `elements[key].events`, and merges each element's event configuration
 * into its `configuration`, so creation and reconnection send it through the one instance-body builder.
 */
function resolveEvents(
  options: ConnectHandlerOptions,
  elements: Map<string, Readonly<ElementConfig>>,
  basePath: string,
  ownOrigin: string | undefined,
): ResolvedEvents | undefined {
  const raw = options.elements as Readonly<Record<string, { events?: unknown }>>;
  const wanted = [...elements.keys()].filter((key) => raw[key]?.events !== undefined);
  const value: unknown = options.events;
  if (value === undefined) {
    if (wanted.length > 0)
      fail(`elements.${wanted[0]}.events needs the handler option events ({ signingKeys, onEvent })`);
    return undefined;
  }
  if (!isPlainObject(value)) fail('events must be an object { signingKeys, onEvent, callbackUrl?, ownerOf? }');
  const events = value as Partial<EventsOptions>;
  const signingKeys = resolveSigningKeys(events.signingKeys);
  if (typeof events.onEvent !== 'function') fail('events.onEvent must be a function');
  const ownerOf = optionalFunction(events.ownerOf, 'events.ownerOf');
  if (events.callbackUrl !== undefined && !parseWebUrl(events.callbackUrl, true)) {
    fail('events.callbackUrl must be an absolute https URL (http only for loopback hosts)');
  }
  const store = options.stateStore;
  if (store !== undefined && typeof store.release !== 'function') {
    fail(
      'stateStore must also have release(key) when events are configured (a failed delivery must not count as delivered)',
    );
  }
  for (const key of wanted) {
    const config = elements.get(key)!;
    const origin = config.callbackUrl ? new URL(config.callbackUrl).origin : ownOrigin;
    const callbackUrl = events.callbackUrl ?? `${origin}${basePath}/events`;
    const configuration = {
      ...config.configuration,
      ...eventConfiguration(key, raw[key]!.events, config, callbackUrl, signingKeys[0]!),
    };
    elements.set(key, Object.freeze({ ...config, configuration: Object.freeze(configuration) }));
  }
  return { signingKeys, onEvent: events.onEvent, ownerOf, store: store as ResolvedEvents['store'] };
}
