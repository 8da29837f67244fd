import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FlowCookies, PendingFlow } from './flow-cookie.js';
import type { FlowDetails } from './flow-extras.js';
import type { Logger } from './security-log.js';
import { createMemoryStateStore, USED_STATE_MEMORY_MS, type StateStore } from './state-store.js';

/** Pending flows one browser may hold; starting another evicts the oldest. */
export const MAX_PENDING_FLOWS = 5;

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
const OWN_STORE_ERRORS = new Set(['StateStoreTimeoutError', 'StateStoreMemoryLostError', 'StateStoreReplyError']);

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
  start(cookieHeader: string | null, element: string, details: FlowDetails): { state: string; setCookies: string[] } {
    const now = this._now();
    const { flows, invalid } = this._cookies.read(cookieHeader);
    const live = flows.filter((flow) => flow.expiresAt > now).sort((a, b) => a.expiresAt - b.expiresAt);
    const dead = flows.filter((flow) => flow.expiresAt <= now);
    // Oldest first, so that with the new flow at most MAX_PENDING_FLOWS remain.
    const evicted = live.slice(0, Math.max(0, live.length - (MAX_PENDING_FLOWS - 1)));
    const stale = [...invalid, ...[...dead, ...evicted].map((flow) => flow.cookieName)];
    const setCookies = stale.map((name) => this._cookies.clear(name));
    const flow: PendingFlow = {
      // A fixed slot, not a fresh name: concurrent starts could otherwise leave more than MAX_PENDING_FLOWS.
      cookieName: this._cookies.slotFor(
        element,
        live.slice(evicted.length).map((kept) => kept.cookieName),
      ),
      state: randomBytes(32).toString('base64url'),
      element,
      expiresAt: now + this._ttlMs,
      ...details,
    };
    setCookies.push(this._cookies.serialize(flow, this._ttlMs));
    return { state: flow.state, setCookies };
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
      first = (await this._store.consumeOnce(wanted.toString('base64url'), ttlMs)) === true;
    } catch (error) {
      this._log('state-store.failed', { error: storeFailure(error) });
      return { ok: false, reason: 'store-unavailable', setCookies };
    }
    if (!first) return { ok: false, reason: 'consumed', setCookies };
    return { ok: true, flow: match, setCookies };
  }
}
