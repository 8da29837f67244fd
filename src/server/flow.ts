import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ELEMENT_KEY_PATTERN, isInstanceName } from '../protocol-rules.js';
import { isInstanceIdText } from './instance-view.js';
import { isSiteAddress } from './options.js';
import { isReturnUrl } from './return-url.js';
import type { Logger } from './security-log.js';
import { createMemoryStateStore, USED_STATE_MEMORY_MS, type StateStore } from './state-store.js';

/**
 * A pending sign-in (docs/protocol.md §7): its record, the one codec that signs it into its own cookie and reads
 * it back, and the registry that issues states and consumes them exactly once. The handler keeps nothing in
 * between: everything flows 4a and 4b need travels in the signed cookie from oauth/url to the exchange.
 */

/** Pending flows one browser may hold; starting another evicts the oldest. */
export const MAX_PENDING_FLOWS = 5;

/** A pending sign-in as recorded in its own signed cookie. */
export interface PendingFlow extends FlowExtras {
  /** Name of the cookie that holds this flow. */
  readonly cookieName: string;
  /** The OAuth state (43 base64url characters). */
  readonly state: string;
  /** The element key the flow was started for. */
  readonly element: string;
  /** Epoch milliseconds after which the flow is void. */
  readonly expiresAt: number;
  /** The instance name the page asked for (flow 4a: the redirect cannot carry it), already validated. */
  readonly name?: string;
}

/**
 * What a flow records besides state, element, expiry and name (docs/protocol.md §7): whose it is, the instance a
 * reconnect re-authorises, the site address, and where a redirect-mode flow returns to.
 */
export interface FlowExtras {
  /** Digest of the owner who started the flow (`o`): only a request of the same owner may complete it. */
  readonly ownerDigest: string;
  /** A reconnect: the id of the owner's instance to re-authorise (`i`). */
  readonly instance?: string;
  /** The site address the oauth/url call used (`a`), for the instance's `siteConfigurationKey`. */
  readonly site?: string;
  /** Redirect mode (`r`): the page the result goes back to, as oauth/url accepted it (docs/protocol.md §13). */
  readonly returnUrl?: string;
  // --- sign-in kinds (oauth1, credentials) ---
  /** OAuth 1 (`t`): the request token, by which the provider's callback (whose state is not ours) finds the flow. */
  readonly requestToken?: string;
  /** OAuth 1 (`z`): the request-token secret, sealed (AES-GCM): the browser holding the cookie cannot read it. */
  readonly sealedSecret?: string;
  /** OAuth 1 (`u`): the provider URL the start route sends the browser to. */
  readonly providerUrl?: string;
  /** Credentials (`c`): refused posts so far; each post consumes the state under its own attempt number. */
  readonly attempts?: number;
  /** A connect link's flow (`l`): the link id; only that link's routes may complete it. */
  readonly link?: string;
}

/** What starting a flow takes: the extras and the instance name asked for. */
export interface FlowDetails extends FlowExtras {
  readonly name?: string;
}

const DIGEST = /^[A-Za-z0-9_-]{43}$/;

/** The cookie record of a flow: one short key per field (`s`, `e`, `x`, `n`, then the extras). */
function writeRecord(flow: PendingFlow): Record<string, string | number> {
  return {
    s: flow.state,
    e: flow.element,
    x: flow.expiresAt,
    ...(flow.name && { n: flow.name }),
    o: flow.ownerDigest,
    ...(flow.instance && { i: flow.instance }),
    ...(flow.site && { a: flow.site }),
    ...(flow.returnUrl && { r: flow.returnUrl }),
    ...(flow.requestToken && { t: flow.requestToken }),
    ...(flow.sealedSecret && { z: flow.sealedSecret }),
    ...(flow.providerUrl && { u: flow.providerUrl }),
    ...(flow.attempts && { c: flow.attempts }),
    ...(flow.link && { l: flow.link }),
  };
}

/**
 * The flow of a verified cookie record; `undefined` when a field is malformed or the owner is missing (a cookie
 * from before owners existed is treated as invalid: it could be completed by anyone). A malformed name is dropped.
 */
function readRecord(cookieName: string, record: unknown): PendingFlow | undefined {
  const { s, e, x, n, o, i, a, r, l, ...kind } = record as Partial<
    Record<'s' | 'e' | 'x' | 'n' | 'o' | 'i' | 'a' | 'r' | 'l', unknown>
  >;
  if (typeof s !== 'string' || typeof e !== 'string' || typeof x !== 'number') return undefined;
  if (!ELEMENT_KEY_PATTERN.test(e)) return undefined;
  if (typeof o !== 'string' || !DIGEST.test(o)) return undefined;
  if (i !== undefined && !isInstanceIdText(i)) return undefined;
  if (a !== undefined && !isSiteAddress(a)) return undefined;
  if (r !== undefined && !isReturnUrl(r)) return undefined;
  if (l !== undefined && (typeof l !== 'string' || !/^[A-Za-z0-9_-]{22}$/.test(l))) return undefined;
  const name = isInstanceName(n) ? n : undefined;
  const kindFields = readKindFields(kind);
  if (!kindFields) return undefined;
  return {
    cookieName,
    state: s,
    element: e,
    expiresAt: x,
    ...(name && { name }),
    ownerDigest: o,
    ...(i !== undefined && { instance: i }),
    ...(a !== undefined && { site: a }),
    ...(r !== undefined && { returnUrl: r }),
    ...(l !== undefined && { link: l }),
    ...kindFields,
  };
}

const TEXT_FIELD = /^[\x21-\x7e]{1,8192}$/;

/** The sign-in kinds' fields of a verified record (`t`, `z`, `u`, `c`); `undefined` when one is malformed. */
function readKindFields(record: Record<string, unknown>): Partial<FlowExtras> | undefined {
  const { t, z, u, c } = record;
  for (const text of [t, z, u])
    if (text !== undefined && (typeof text !== 'string' || !TEXT_FIELD.test(text))) return undefined;
  if (c !== undefined && (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c > 100)) return undefined;
  return {
    ...(t !== undefined && { requestToken: t as string }),
    ...(z !== undefined && { sealedSecret: z as string }),
    ...(u !== undefined && { providerUrl: u as string }),
    ...(c !== undefined && { attempts: c }),
  };
}

/** Settings of the flow cookies. */
export interface FlowCookieSettings {
  /** HMAC-SHA256 key. */
  readonly secret: string;
  /** `Secure` plus the `__Host-` prefix (which forces `Path=/`). */
  readonly secure: boolean;
  /** Cookie path when not `secure`. */
  readonly path: string;
}

const PAYLOAD_PATTERN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/;

/** Most bytes of name and value browsers keep for one cookie (RFC 6265bis); a longer one is silently dropped. */
export const MAX_COOKIE_BYTES = 4096;

/**
 * Thrown by {@link FlowCookies.serialize} when a flow would not fit in one cookie: only a long redirect-mode
 * return URL next to a long name and site address gets there, and a dropped cookie would fail the flow later.
 */
export class FlowCookieTooLargeError extends Error {
  override readonly name = 'FlowCookieTooLargeError';
}

/**
 * Signs, reads and clears flow cookies. Each pending flow lives in its own cookie, named after its state, so two
 * sign-ins started at the same moment, for one element or two, do not overwrite each other's record (a shared
 * cookie would be last-writer-wins: the other tab stranded on "You can close this window").
 */
export class FlowCookies {
  private readonly _prefix: string;
  private readonly _attributes: string;

  constructor(private readonly _settings: FlowCookieSettings) {
    this._prefix = _settings.secure ? '__Host-ce-connect-flow-' : 'ce-connect-flow-';
    const path = _settings.secure ? '/' : _settings.path || '/';
    this._attributes = `Path=${path}; HttpOnly; SameSite=Lax${_settings.secure ? '; Secure' : ''}`;
  }

  /** The Set-Cookie value that records `flow` for `maxAgeMs`; throws {@link FlowCookieTooLargeError} past 4096 bytes. */
  serialize(flow: PendingFlow, maxAgeMs: number): string {
    const payload = Buffer.from(JSON.stringify(writeRecord(flow))).toString('base64url');
    const value = `${payload}.${this._sign(flow.cookieName, payload)}`;
    // Base64url and our cookie names are ASCII: length is bytes.
    if (flow.cookieName.length + 1 + value.length > MAX_COOKIE_BYTES) throw new FlowCookieTooLargeError();
    return `${flow.cookieName}=${value}; Max-Age=${Math.ceil(maxAgeMs / 1000)}; ${this._attributes}`;
  }

  /** The Set-Cookie value that deletes the cookie `name`. */
  clear(name: string): string {
    return `${name}=; Max-Age=0; ${this._attributes}`;
  }

  /**
   * The cookie name of the flow with `state`: derived from the state (a digest, not the state), so every flow has
   * its own cookie. Concurrent starts cannot see each other's cookies; with names shared per element (as before),
   * two started at once for one element took the same cookie and the first could never complete. A burst of
   * concurrent starts can leave as many cookies as it had requests; the next start trims them to
   * {@link MAX_PENDING_FLOWS} (only the page's own script can send such a burst: oauth/url needs X-CE-Connect).
   */
  nameFor(state: string): string {
    return (
      this._prefix + createHash('sha256').update(`ce-connect flow cookie v2|${state}`).digest('base64url').slice(0, 16)
    );
  }

  /** Every correctly signed flow in a Cookie header, plus the names of our cookies that failed verification. */
  read(cookieHeader: string | null): { flows: PendingFlow[]; invalid: string[] } {
    const flows: PendingFlow[] = [];
    const invalid: string[] = [];
    for (const part of (cookieHeader ?? '').split(';')) {
      const separator = part.indexOf('=');
      const name = part.slice(0, separator).trim();
      if (separator < 0 || !name.startsWith(this._prefix)) continue;
      const flow = this._verify(name, part.slice(separator + 1).trim());
      if (flow) flows.push(flow);
      else invalid.push(name);
    }
    return { flows, invalid };
  }

  private _sign(name: string, payload: string): string {
    const signed = `ce-connect-flow.v1|${name}|${payload}`;
    return createHmac('sha256', this._settings.secret).update(signed).digest('base64url');
  }

  private _verify(name: string, value: string): PendingFlow | undefined {
    if (!PAYLOAD_PATTERN.test(value) || !/^[A-Za-z0-9_-]{1,64}$/.test(name.slice(this._prefix.length)))
      return undefined;
    const [payload = '', mac = ''] = value.split('.');
    if (!timingSafeEqual(Buffer.from(mac), Buffer.from(this._sign(name, payload)))) return undefined;
    try {
      return readRecord(name, JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
    } catch {
      return undefined;
    }
  }
}

/** Why a state could not be used. */
export type RejectReason = 'no-flow-cookie' | 'unknown-state' | 'expired' | 'consumed' | 'store-unavailable';

/** Outcome of {@link FlowRegistry.consume}; `setCookies` clears the cookie of a matched flow either way. */
export type ConsumeResult =
  | { readonly ok: true; readonly flow: PendingFlow; readonly setCookies: string[] }
  | { readonly ok: false; readonly reason: RejectReason; readonly setCookies: string[] };

function digest(state: string): Buffer {
  return createHash('sha256').update(state).digest();
}

// A host's own store is host code: only our stores' error classes are logged by name, never an error's text
// (which could quote a connection string or a secret), and a throwing `name` getter cannot break the request.
const OWN_STORE_ERRORS = new Set([
  'StateStoreTimeoutError',
  'StateStoreMemoryLostError',
  'StateStoreReplyError',
  'StateStoreEvictionPolicyError',
]);

function storeFailure(error: unknown): string {
  try {
    const name: unknown = (error as Error)?.name;
    return typeof name === 'string' && OWN_STORE_ERRORS.has(name) ? name : 'store-error';
  } catch {
    return 'store-error';
  }
}

/**
 * Issues states bound to a browser through signed cookies and consumes them exactly once. Whether a state was
 * already used is the {@link StateStore}'s decision: the default remembers used states in this process's memory
 * (one process, or sticky sessions); a store shared by every process (`ce-connect/server/redis`) makes a state
 * single-use across all of them.
 */
export class FlowRegistry {
  private readonly _store: StateStore;

  constructor(
    private readonly _cookies: FlowCookies,
    private readonly _ttlMs: number,
    private readonly _now: () => number = Date.now,
    store?: StateStore,
    private readonly _log: Logger = () => {},
  ) {
    this._store = store ?? createMemoryStateStore({ now: _now });
  }

  /**
   * A fresh state for `element` and `details` (the owner's digest; the instance `name` asked for, the instance a
   * reconnect re-authorises and the site address, if any), and the Set-Cookie values that record it (and evict
   * stale or surplus flows).
   */
  start(
    cookieHeader: string | null,
    element: string,
    details: FlowDetails,
  ): { state: string; flow: PendingFlow; setCookies: string[] } {
    const now = this._now();
    const { flows, invalid } = this._cookies.read(cookieHeader);
    const live = flows.filter((flow) => flow.expiresAt > now).sort((a, b) => a.expiresAt - b.expiresAt);
    const dead = flows.filter((flow) => flow.expiresAt <= now);
    // Oldest first, so that with the new flow at most MAX_PENDING_FLOWS remain.
    const evicted = live.slice(0, Math.max(0, live.length - (MAX_PENDING_FLOWS - 1)));
    const stale = [...invalid, ...[...dead, ...evicted].map((flow) => flow.cookieName)];
    const setCookies = stale.map((name) => this._cookies.clear(name));
    const state = randomBytes(32).toString('base64url');
    const flow: PendingFlow = {
      cookieName: this._cookies.nameFor(state),
      state,
      element,
      expiresAt: now + this._ttlMs,
      ...details,
    };
    setCookies.push(this._cookies.serialize(flow, this._ttlMs));
    return { state: flow.state, flow, setCookies };
  }

  /**
   * The Set-Cookie value that records `flow` again in its own cookie, until its unchanged expiry (a kind adding
   * what it learnt, a credentials form counting a refusal); throws {@link FlowCookieTooLargeError}.
   */
  record(flow: PendingFlow): string {
    return this._cookies.serialize(flow, Math.max(1, flow.expiresAt - this._now()));
  }

  /**
   * The browser's live flow that `matches` (its state, an OAuth 1 request token), without consuming it: for the
   * pages a flow passes through before it completes. Compares against every flow, without an early exit.
   */
  find(
    cookieHeader: string | null,
    matches: (flow: PendingFlow) => boolean,
    expiredToo = false,
  ): PendingFlow | undefined {
    const now = this._now();
    let found: PendingFlow | undefined;
    for (const flow of this._cookies.read(cookieHeader).flows)
      if (matches(flow) && (expiredToo || flow.expiresAt > now)) found = flow;
    return found;
  }

  /** The browser's live-or-not flow of `state`, without consuming it (to learn whether it is a connect link's). */
  findByState(cookieHeader: string | null, state: string): PendingFlow | undefined {
    const wanted = digest(state);
    let match: PendingFlow | undefined;
    for (const flow of this._cookies.read(cookieHeader).flows)
      if (timingSafeEqual(digest(flow.state), wanted)) match = flow;
    return match;
  }

  /**
   * Finds `state` among the browser's flows and has the store mark it used. Nothing else may happen before this
   * resolves `ok`: the store's atomic `consumeOnce` is what lets exactly one of several concurrent requests with
   * the same state through, in this process or any other sharing the store. A store failure is
   * `store-unavailable`: nothing is accepted while the store cannot answer.
   */
  async consume(cookieHeader: string | null, state: string): Promise<ConsumeResult> {
    const now = this._now();
    const { flows } = this._cookies.read(cookieHeader);
    if (flows.length === 0) return { ok: false, reason: 'no-flow-cookie', setCookies: [] };
    const wanted = digest(state);
    // Compare against every flow, without an early exit, so timing does not reveal which one matched.
    let match: PendingFlow | undefined;
    for (const flow of flows) if (timingSafeEqual(digest(flow.state), wanted)) match = flow;
    if (!match) return { ok: false, reason: 'unknown-state', setCookies: [] };
    const setCookies = [this._cookies.clear(match.cookieName)];
    if (match.expiresAt <= now) return { ok: false, reason: 'expired', setCookies };
    // Remembered for a fixed time after issue (see USED_STATE_MEMORY_MS): longer than any process accepts the
    // cookie, and it tells the store when the state was issued. The key is a digest: the store never sees a state.
    const issuedAt = match.expiresAt - this._ttlMs;
    const ttlMs = Math.ceil(issuedAt + USED_STATE_MEMORY_MS - now);
    let first: boolean;
    try {
      // A credentials form posts once per attempt: each attempt number (its cookie says which) is single-use.
      const key = wanted.toString('base64url') + (match.attempts ? `.${match.attempts}` : '');
      first = (await this._store.consumeOnce(key, ttlMs)) === true;
    } catch (error) {
      this._log('state-store.failed', { error: storeFailure(error) });
      return { ok: false, reason: 'store-unavailable', setCookies };
    }
    if (!first) return { ok: false, reason: 'consumed', setCookies };
    return { ok: true, flow: match, setCookies };
  }
}
