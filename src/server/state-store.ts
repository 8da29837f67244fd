import type { StateStore } from './types.js';

export type { StateStore } from './types.js';

/** Longest flow the handler allows (`flowTtlMs`), in milliseconds. */
export const MAX_FLOW_TTL_MS = 10 * 60 * 1000;

/**
 * How far apart the clocks of the processes may be: a used state is remembered this much longer than any
 * process could still accept its cookie.
 */
export const CLOCK_ALLOWANCE_MS = 60 * 1000;

/**
 * How long after it was issued a used state is remembered. The handler passes
 * `ttlMs = issuedAt + USED_STATE_MEMORY_MS - now` whatever its `flowTtlMs`, so a store can tell when a key's
 * state was issued (`now + ttlMs - USED_STATE_MEMORY_MS`), which `ce-connect/server/redis` needs to refuse states
 * issued before it lost its memory.
 */
export const USED_STATE_MEMORY_MS = MAX_FLOW_TTL_MS + CLOCK_ALLOWANCE_MS;

/** Options of {@link createMemoryStateStore}. */
export interface MemoryStateStoreOptions {
  /** The clock (epoch milliseconds); default `Date.now`. The handler passes its own `now`. */
  now?: () => number;
}

/** The in-memory store, exposing its size for tests and monitoring. */
export interface MemoryStateStore extends StateStore {
  /** Keys held, including expired ones not swept yet. */
  readonly size: number;
}

/** Expired keys removed per call at most: more than the one a call may add, so the backlog always shrinks. */
const SWEEP_STEP = 4;

/**
 * A {@link StateStore} in this process's memory: the default, right for one process (or sticky sessions).
 * Expired keys are swept in order of expiry from a binary heap, at most {@link SWEEP_STEP} per call, so a call
 * costs O(log n) however many keys are held (a full scan per call made 200k keys cost 3.2 ms per callback).
 */
export function createMemoryStateStore(options: MemoryStateStoreOptions = {}): MemoryStateStore {
  const now = options.now ?? (() => Date.now());
  const expiry = new Map<string, number>();
  // A min-heap of (expiresAt, key) in two parallel arrays; an entry is stale when `expiry` has moved on.
  const times: number[] = [];
  const keys: string[] = [];

  const swap = (a: number, b: number): void => {
    [times[a], times[b]] = [times[b]!, times[a]!];
    [keys[a], keys[b]] = [keys[b]!, keys[a]!];
  };
  const push = (time: number, key: string): void => {
    times.push(time);
    keys.push(key);
    for (let i = times.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (times[parent]! <= times[i]!) break;
      swap(i, parent);
      i = parent;
    }
  };
  const pop = (): void => {
    const last = times.length - 1;
    swap(0, last);
    times.pop();
    keys.pop();
    for (let i = 0; ;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < last && times[left]! < times[least]!) least = left;
      if (right < last && times[right]! < times[least]!) least = right;
      if (least === i) break;
      swap(i, least);
      i = least;
    }
  };
  const sweep = (at: number): void => {
    for (let step = 0; step < SWEEP_STEP && times.length > 0 && times[0]! <= at; step += 1) {
      const key = keys[0]!;
      if (expiry.get(key) === times[0]) expiry.delete(key);
      pop();
    }
  };

  return {
    get size() {
      return expiry.size;
    },
    // Decided synchronously, before the returned promise exists: two calls in one process cannot interleave.
    consumeOnce(key, ttlMs) {
      const at = now();
      sweep(at);
      const until = expiry.get(key);
      if (until !== undefined && until > at) return Promise.resolve(false);
      expiry.set(key, at + ttlMs);
      push(at + ttlMs, key);
      return Promise.resolve(true);
    },
    has(key) {
      const until = expiry.get(key);
      return Promise.resolve(until !== undefined && until > now());
    },
    // The heap entry stays and is swept later: `expiry` no longer matches it.
    release(key) {
      expiry.delete(key);
      return Promise.resolve();
    },
  };
}

/** Whether `value` has the shape of a {@link StateStore} (for option checks). */
export function isStateStore(value: unknown): value is StateStore {
  return typeof value === 'object' && value !== null && typeof (value as StateStore).consumeOnce === 'function';
}
