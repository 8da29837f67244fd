/**
 * The public types of `ce-connect/server`: the handler's options, what its hooks receive and what the browser
 * learns. A leaf: it imports nothing from the server, so every module may use it.
 */

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
  /** OAuth scope to request, when the element takes one: sent as given (Slack's is comma-separated). */
  scope?: string;
  /**
   * Extra query parameters of `oauth/url` (and of `oauth/token`), e.g. QuickBooks Online
   * `{ "authentication.type": "oauth2" }`. They cannot replace `apiKey`, `apiSecret`, `callbackUrl`, `state`,
   * `requestToken`, `scope` or `siteAddress`.
   */
  oauthUrlParameters?: Readonly<Record<string, string>>;
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
   * `filter.response.nulls`, `oauth.scope`); `oauth.api.key`, `oauth.api.secret`, `oauth.callback.url` and
   * `oauth.user.*` are refused (those come from apiKey, apiSecret and callbackUrl, or from Cloud Elements).
   */
  configuration?: Readonly<Record<string, string | number | boolean>>;
  /** Extra Cloud Elements tags of this element's instances, besides the owner tag. */
  tags?: readonly string[];
  /**
   * Events after `connected` (docs/events.md): every instance of this element is created and reconnected with
   * Cloud Elements' event configuration, delivering to `POST {basePath}/events`. Needs the handler's `events`.
   */
  events?: ElementEventSettings;
  // --- sign-in kinds (docs/kinds.md) ---
  /**
   * How the element signs in: `oauth2` (default), `oauth1` (request token; the callback URL must be the flow-4a
   * route) or `credentials` (see {@link CredentialsElementConfig}).
   */
  auth?: 'oauth2' | 'oauth1' | 'credentials';
  /** Credentials elements only: the form's inputs (resolved entries carry them; see {@link CredentialsElementConfig}). */
  fields?: readonly CredentialField[];
  /** The element's name on the handler's pages (`Zoho CRM`); default: the element's known display name, else its key. */
  displayName?: string;
}

/**
 * An element that takes credentials (an API key, a user name and password, an account id) instead of OAuth: the
 * handler serves a form built from `fields` and creates the instance with what the user typed.
 */
export interface CredentialsElementConfig {
  auth: 'credentials';
  /** The form's inputs, in order; each `key` is a Cloud Elements configuration key (`crm.zohocrm.username`). */
  fields: readonly CredentialField[];
  /** The element's name on the form (`Zoho CRM`); default: the element's known display name, else its key. */
  displayName?: string;
  siteAddress?: string;
  siteConfigurationKey?: string;
  configuration?: Readonly<Record<string, string | number | boolean>>;
  tags?: readonly string[];
}

/** One input of a credentials form. */
export interface CredentialField {
  /** The Cloud Elements configuration key the value goes to: unique, `[A-Za-z0-9_.-]{1,128}`. */
  key: string;
  /** The input's label, as the user reads it. */
  label: string;
  /** The input's type; a `password` value is never written back into the page. Default `text`. */
  type?: 'text' | 'password' | 'email' | 'url';
  /** Default true. */
  required?: boolean;
  /** A line of help shown under the input (linked with `aria-describedby`). */
  help?: string;
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
  /**
   * How oauth/url is asked for: `'get'` (default), the documented `GET /elements/{key}/oauth/url?apiKey&…&state`
   * every Cloud Elements client uses; `'post'`, the JSON-body variant, which nothing shows honours `state`.
   */
  oauthUrlRequest?: 'get' | 'post';
}

/** The instance JSON Cloud Elements returned, without its `token`. */
export type CloudElementsInstance = { readonly id: number | string; readonly name?: unknown } & Readonly<
  Record<string, unknown>
>;

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
  /**
   * `true` when this is a reconnect of an existing instance (same id, maybe a new token) and the host gave no
   * `onInstanceReconnected`: store the token again, do not add a second record. Absent for a new instance.
   */
  reconnected?: true;
  /** Set when the flow came through a connect link (`createConnectLink`): the link it spent. */
  link?: { readonly id: string };
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

/** Options of `createConnectHandler`. */
export interface ConnectHandlerOptions {
  /** Path prefix of every route; default `/api/ce`. */
  basePath?: string;
  /** Cloud Elements account and API location. */
  cloudElements: CloudElementsOptions;
  /** The elements a browser may connect, by element key. */
  elements: Readonly<Record<string, ElementConfig | CredentialsElementConfig>>;
  /** Secret (≥ 32 characters) that signs the flow cookies. */
  cookieSecret: string;
  /** Called with the new instance and its Element Token; may be async. A throw fails the flow. */
  onInstanceCreated: (event: InstanceCreatedEvent) => void | Promise<void>;
  /**
   * The host's own user or tenant id for this request, from its own session, or `null` when nobody is signed in
   * (every route then answers 401); may be async. Without it every request has the owner `"default"` and the
   * owner routes (`GET`/`DELETE {basePath}/instances…`, oauth/url `?instance=`) answer 401, since anyone could list,
   * reconnect and delete every instance; a single-user app says so with `authorize: () => "default"`.
   */
  authorize?: (request: Request) => string | null | Promise<string | null>;
  /**
   * Called after a reconnect re-authorised an instance, with its (maybe new) Element Token. A throw fails the flow.
   * Without it, `onInstanceCreated` receives the reconnect, with `reconnected: true`, so the new token is stored.
   */
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
  /**
   * Events after `connected` (docs/events.md): the signing keys and the hook of `POST {basePath}/events`, for the
   * elements whose entry has `events`.
   */
  events?: EventsOptions;
  // --- sign-in kinds (docs/kinds.md) ---
  /** The app's name on the credentials form ("Connect Zoho CRM to {appName}"). */
  appName?: string;
  /**
   * The public origin the handler is served on (`https://app.example`), where credentials forms are served;
   * default: the origin of the callback URLs, when they share one (a TypeError at creation otherwise, when a
   * credentials element is configured).
   */
  origin?: string;
}

/** What `createConnectLink` takes. */
export interface ConnectLinkRequest {
  /** Whose the instance will be, whoever opens the link (the `owner` hooks receive). */
  owner: string;
  /** The configured element the link connects. */
  element: string;
  /** The instance name to create; default a readable one. */
  name?: string;
  /** Who asks, shown on the page (e.g. "Acme Inc."). */
  inviter?: string;
  /** Milliseconds the link stays usable; default 72 hours, at most 7 days. */
  expiresInMs?: number;
}

/** A connect link as `createConnectLink` made it. */
export interface ConnectLink {
  /** The link's id (for `revokeConnectLink` and `onInstanceCreated`'s `link.id`). */
  readonly id: string;
  /** The address to send: `{origin of the callback URL}{basePath}/link/{token}`. */
  readonly url: string;
  /** Epoch milliseconds after which the link shows as expired. */
  readonly expiresAt: number;
}

/**
 * Where the handler remembers which states were used. Every single-use decision goes through
 * {@link StateStore.consumeOnce}; one store shared by every process (Redis, `ce-connect/server/redis`) makes a
 * state single-use across all of them (docs/deploying.md).
 */
export interface StateStore {
  /**
   * Resolves `true` for the first caller of `key` within `ttlMs` and `false` for every later one, across every
   * process that shares the store. Rejects when the store cannot decide; the handler then answers 503 and
   * accepts nothing.
   */
  consumeOnce(key: string, ttlMs: number): Promise<boolean>;
  /**
   * Optional: forgets `key`, so that the next `consumeOnce(key)` is first again (a delivery whose `onEvent` failed
   * must not count as delivered; a connect link is given back after a failed create).
   */
  release?(key: string): Promise<void>;
  /** Optional: whether `key` is held, without consuming it; connect links need it. */
  has?(key: string): Promise<boolean>;
}

/** What the browser learns about a connection (docs/protocol.md §12.3): never a token, never configuration. */
export interface InstanceSummary {
  readonly id: string;
  readonly name: string;
  readonly element: { readonly key: string };
  /** `needs-reconnect` when Cloud Elements reports the instance invalid (failed token refreshes) or disabled. */
  readonly status: 'connected' | 'needs-reconnect';
  readonly createdDate?: string;
}

/** What the callback page reports to the widget (the callback script adds `type` and `v`). */
export type CallbackResult =
  | { readonly state: string; readonly instanceId: string; readonly name: string }
  | { readonly state: string; readonly error: string; readonly errorDescription: string };

// ── Events after `connected` (docs/events.md) ─────────────────────────────────────────────────────────────────

/** How Cloud Elements learns of an element's changes, and which objects it watches. */
export interface ElementEventSettings {
  /** `webhook` (default): the provider tells Cloud Elements; `polling`: Cloud Elements asks every `pollMinutes`. */
  vendorType?: 'webhook' | 'polling';
  /** Minutes between polls (`event.poller.refresh_interval`), polling only; default 15. */
  pollMinutes?: number;
  /** The objects to poll (`event.poller.configuration`), e.g. `["contacts", "accounts"]`; polling only. */
  objects?: readonly string[];
}

/** One change at the provider, as Cloud Elements reports it. */
export interface EventChange {
  readonly objectType: string;
  /** `CREATED`, `UPDATED`, `DELETED` or `UNKNOWN`. */
  readonly eventType: string;
  readonly objectId: string;
}

/** What `events.onEvent` receives for one verified, first-time delivery. */
export interface ConnectionEvent {
  /** The instance the changes happened at; `null` when the delivery does not name one. */
  readonly instanceId: string | null;
  /** The element key (from the instance, else from the delivery); `null` when neither says. */
  readonly element: string | null;
  /** The changes, in the order Cloud Elements listed them (up to 20 per delivery). */
  readonly events: readonly EventChange[];
  /** The owner id, from the instance's sealed owner tag, else `events.ownerOf`; `null` when neither knows. */
  readonly owner: string | null;
  /** The delivery id (`Elements-Webhook-Id`, else the message's `eventId`): the same on every retry. */
  readonly deliveryId: string;
  /** The whole parsed webhook body, as Cloud Elements sent it (`{message: {eventId, events, raw, …}}`). */
  readonly raw: unknown;
}

/** The handler's `events` option. */
export interface EventsOptions {
  /**
   * Webhook signing keys, each at least 32 characters. The first is given to new and reconnected instances; every
   * one verifies, so a key is rotated by putting the new one first and dropping the old one once no instance uses
   * it (reconnect them).
   */
  signingKeys: readonly string[];
  /**
   * Called once per verified delivery; may be async. `POST {basePath}/events` answers 200 only after it settles,
   * and 500 when it throws or takes longer than `hookTimeoutMs` — then Cloud Elements retries the delivery.
   */
  onEvent: (event: ConnectionEvent) => void | Promise<void>;
  /** Where Cloud Elements delivers; default `{origin of the element's callbackUrl}{basePath}/events`. */
  callbackUrl?: string;
  /**
   * The owner of an instance whose tags do not tell (one made before version 3, or one whose owner id was too
   * long to seal); `null` when unknown. May be async.
   */
  ownerOf?: (instanceId: string) => string | null | undefined | Promise<string | null | undefined>;
}
