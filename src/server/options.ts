import { ELEMENT_KEY_PATTERN } from '../protocol-rules.js';
import { resolveElementSettings } from './element-settings.js';
import { resolveOwnerOptions, type ResolvedOwnerOptions } from './owner.js';
import { isStateStore, MAX_FLOW_TTL_MS, type StateStore } from './state-store.js';
import { parseWebUrl } from '../node/url-rules.js';

/** One element's OAuth app as registered with the provider; the same entry feeds both Cloud Elements calls. */
export interface ElementConfig {
  /** The provider app's client id (Cloud Elements `apiKey`). */
  apiKey: string;
  /** The provider app's client secret (Cloud Elements `apiSecret`); it never reaches the browser. */
  apiSecret: string;
  /**
   * Absolute http(s) callback URL registered with the provider: the flow-4a route
   * (`https://app.example/api/ce/sfdc/oauth/callback`) or a static callback page (flow 4b).
   */
  callbackUrl: string;
  /** OAuth scope to request, when the element takes one. */
  scope?: string;
  /**
   * Provider site address (e.g. `https://test.salesforce.com`), when the element takes one; or a function that
   * turns what the user typed (the element's `site`, sent as `?site=`) into the site address, or refuses it with
   * `null` (then oauth/url answers `400 {"message", "field": "site"}`).
   */
  siteAddress?: string | SiteAddressFunction;
  /**
   * The instance configuration key that receives the site address (e.g. `zendesk.subdomain`,
   * `shopify.site.address`), sent with `POST`/`PUT /instances`.
   */
  siteConfigurationKey?: string;
  /**
   * Extra instance settings sent with every `POST`/`PUT /instances` (e.g. `event.notification.enabled`,
   * `filter.response.nulls`); an `oauth.*` key is refused (those come from apiKey, apiSecret and callbackUrl).
   */
  configuration?: Readonly<Record<string, string | number | boolean>>;
  /** Extra Cloud Elements tags of this element's instances, besides the owner tag. */
  tags?: readonly string[];
}

/** Turns the site the user typed into the provider's site address, or refuses it (`null`). */
export type SiteAddressFunction = (input: string) => string | null;

/** How to reach the Cloud Elements platform API. */
export interface CloudElementsOptions {
  /** API base URL; default `https://api.cloud-elements.com/elements/api-v2`. */
  baseUrl?: string;
  /** The account's User secret. */
  userSecret: string;
  /** The account's Organization secret. */
  organizationSecret: string;
  /** Milliseconds before a Cloud Elements call is aborted (answered 504); default 10000. */
  timeoutMs?: number;
}

/** The instance JSON Cloud Elements returned, without its `token`. */
export type CloudElementsInstance = { readonly id: number | string; readonly name?: unknown } & Readonly<Record<string, unknown>>;

/** What `onInstanceCreated` receives once Cloud Elements created an instance. */
export interface InstanceCreatedEvent {
  /** The element key, taken from the server-side flow record. */
  element: string;
  /** The created instance, without its token. */
  instance: CloudElementsInstance;
  /** The Element Token: persist it server-side; it is never sent to the browser. */
  token: string;
  /** The owner (from `authorize`) who started and completed the flow. */
  owner: string;
  /** The browser request that completed the flow (for the host's session lookup). */
  request: Request;
}

/** What `onInstanceReconnected` receives once Cloud Elements re-authorised an instance (same id). */
export interface InstanceReconnectedEvent {
  /** The element key, taken from the server-side flow record. */
  element: string;
  /** The re-authorised instance, without its token. */
  instance: CloudElementsInstance;
  /** The Element Token, which may have changed: store it again. */
  token: string;
  /** The owner (from `authorize`) whose instance it is. */
  owner: string;
  /** The browser request that completed the flow. */
  request: Request;
}

/** What `onInstanceDeleted` receives once Cloud Elements deleted an instance at the owner's request. */
export interface InstanceDeletedEvent {
  element: string;
  /** The instance as Cloud Elements described it before the deletion, without its token. */
  instance: CloudElementsInstance;
  /** The owner (from `authorize`) whose instance it was. */
  owner: string;
  /** The browser request that asked for the deletion. */
  request: Request;
}

/** Options of {@link createConnectHandler}. */
export interface ConnectHandlerOptions {
  /** Path prefix of every route; default `/api/ce`. */
  basePath?: string;
  /** Cloud Elements account and API location. */
  cloudElements: CloudElementsOptions;
  /** The elements a browser may connect, by element key. */
  elements: Readonly<Record<string, ElementConfig>>;
  /** Secret (≥ 32 characters) that signs the flow cookies. */
  cookieSecret: string;
  /** Called with the new instance and its Element Token; may be async. A throw fails the flow. */
  onInstanceCreated: (event: InstanceCreatedEvent) => void | Promise<void>;
  /**
   * The host's own user or tenant id for this request, from its own session, or `null` when nobody is signed in
   * (every route then answers 401); may be async. Default: every request has the owner `"default"` — fine for a
   * demo, unsafe for an app with several users (anyone could list, reconnect and delete every instance).
   */
  authorize?: (request: Request) => string | null | Promise<string | null>;
  /** Called after a reconnect re-authorised an instance, with its (maybe new) Element Token. A throw fails the flow. */
  onInstanceReconnected?: (event: InstanceReconnectedEvent) => void | Promise<void>;
  /** Called after Cloud Elements deleted an instance at its owner's request (never when Cloud Elements failed). */
  onInstanceDeleted?: (event: InstanceDeletedEvent) => void | Promise<void>;
  /**
   * Key material of the owner tags (≥ 16 characters); default: `cloudElements.organizationSecret`. It must stay
   * the same for as long as the instances exist: with another key, no owner finds their instances again. To change
   * the Organization secret, set this to the old one first.
   */
  ownerTagSecret?: string;
  /**
   * Milliseconds `onInstanceCreated` may take; default 10000. Past it the flow fails as if the hook had thrown
   * (the instance is deleted), so a hook that never settles cannot hold the callback open.
   */
  hookTimeoutMs?: number;
  /**
   * Origins allowed to call `POST {basePath}/instances` and `DELETE {basePath}/instances/{id}`, and the only origins
   * a redirect-mode `return` URL may be on; default: the origins of the callback URLs.
   */
  allowedOrigins?: readonly string[];
  /** Milliseconds a started flow stays valid; default and maximum 600000 (10 minutes). */
  flowTtlMs?: number;
  /** Receives one line per security or operations event; lines never contain a secret, code, state or token. */
  log?: (line: string) => void;
  /** `fetch` used for Cloud Elements calls; default the global one. */
  fetch?: typeof fetch;
  /**
   * For tests: the clock the handler reads (epoch milliseconds), for flow start, expiry and the memory of used
   * states, and the default instance name; default `Date.now`. Timeouts (`cloudElements.timeoutMs`) stay timers.
   */
  now?: () => number;
  /**
   * Where used states are remembered; default: this process's memory. Share one store between every process
   * that serves the routes (`createRedisStateStore` from `ce-connect/server/redis`), or a state could be used
   * once per process.
   */
  stateStore?: StateStore;
}

/** Options after validation, in the shapes the modules use. */
export interface ResolvedOptions extends ResolvedOwnerOptions {
  readonly basePath: string;
  readonly cloudElements: { readonly baseUrl: string; readonly authorization: string; readonly timeoutMs: number };
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
  /** Every configured secret, so a response can be checked for accidental echoes. */
  readonly secrets: readonly string[];
}

const DEFAULT_BASE_URL = 'https://api.cloud-elements.com/elements/api-v2';

/** Longest delay `setTimeout` honours: a larger one fires after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function fail(message: string): never {
  throw new TypeError(`ce-connect/server: ${message}`);
}

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
