import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FlowCookies, PendingFlow } from './flow-cookie.js';

/** Pending flows one browser may hold; starting another evicts the oldest. */
export const MAX_PENDING_FLOWS = 5;

/** Why a state could not be used. */
export type RejectReason = 'no-flow-cookie' | 'unknown-state' | 'expired' | 'consumed';

/** Outcome of {@link FlowRegistry.consume}; `setCookies` clears the cookie of a matched flow either way. */
export type ConsumeResult =
  | { readonly ok: true; readonly flow: PendingFlow; readonly setCookies: string[] }
  | { readonly ok: false; readonly reason: RejectReason; readonly setCookies: string[] };

function digest(state: string): Buffer {
  return createHash('sha256').update(state).digest();
}

/**
 * Issues states bound to a browser through signed cookies and consumes them exactly once. Consumed states are
 * remembered in memory until they expire, so replaying an old cookie cannot reuse one. The memory is per process:
 * several processes behind a load balancer need sticky sessions, or one instance of this registry each would
 * accept a replay made to a sibling.
 */
export class FlowRegistry {
  private readonly _consumed = new Map<string, number>();

  constructor(
    private readonly _cookies: FlowCookies,
    private readonly _ttlMs: number,
    private readonly _now: () => number = Date.now,
  ) {}

  /**
   * A fresh state for `element` (and the instance `name` asked for, if any), and the Set-Cookie values that
   * record it (and evict stale or surplus flows).
   */
  start(cookieHeader: string | null, element: string, name?: string): { state: string; setCookies: string[] } {
    const now = this._now();
    const { flows, invalid } = this._cookies.read(cookieHeader);
    const live = flows.filter((flow) => flow.expiresAt > now).sort((a, b) => a.expiresAt - b.expiresAt);
    const dead = flows.filter((flow) => flow.expiresAt <= now);
    // Oldest first, so that with the new flow at most MAX_PENDING_FLOWS remain.
    const evicted = live.slice(0, Math.max(0, live.length - (MAX_PENDING_FLOWS - 1)));
    const stale = [...invalid, ...[...dead, ...evicted].map((flow) => flow.cookieName)];
    const setCookies = stale.map((name) => this._cookies.clear(name));
    const flow: PendingFlow = {
      cookieName: this._cookies.nameFor(randomBytes(9).toString('base64url')),
      state: randomBytes(32).toString('base64url'),
      element,
      expiresAt: now + this._ttlMs,
      ...(name && { name }),
    };
    setCookies.push(this._cookies.serialize(flow, this._ttlMs));
    return { state: flow.state, setCookies };
  }

  /**
   * Finds `state` among the browser's flows and marks it used. Synchronous on purpose: two concurrent requests
   * with the same state are serialised by the event loop, so exactly one of them gets `ok`.
   */
  consume(cookieHeader: string | null, state: string): ConsumeResult {
    const now = this._now();
    this._forgetExpired(now);
    const { flows } = this._cookies.read(cookieHeader);
    if (flows.length === 0) return { ok: false, reason: 'no-flow-cookie', setCookies: [] };
    const wanted = digest(state);
    // Compare against every flow, without an early exit, so timing does not reveal which one matched.
    let match: PendingFlow | undefined;
    for (const flow of flows) if (timingSafeEqual(digest(flow.state), wanted)) match = flow;
    if (!match) return { ok: false, reason: 'unknown-state', setCookies: [] };
    const setCookies = [this._cookies.clear(match.cookieName)];
    if (match.expiresAt <= now) return { ok: false, reason: 'expired', setCookies };
    const key = wanted.toString('base64url');
    if (this._consumed.has(key)) return { ok: false, reason: 'consumed', setCookies };
    this._consumed.set(key, match.expiresAt);
    return { ok: true, flow: match, setCookies };
  }

  private _forgetExpired(now: number): void {
    for (const [key, expiresAt] of this._consumed) if (expiresAt <= now) this._consumed.delete(key);
  }
}
