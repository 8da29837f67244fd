/**
 * `ce-connect/server/redis`: the store of used states for several server processes, on Redis. It takes a
 * connected `redis` (node-redis) client and never imports the package itself, so `redis` stays an optional peer
 * dependency that no other entry point loads.
 */
import { createHash } from 'node:crypto';
import { fail } from './options.js';
import { USED_STATE_MEMORY_MS, type StateStore } from './state-store.js';

const REDIS_ENTRY = 'ce-connect/server/redis';

/** What the store needs from a node-redis client (v5 or v6): `EVALSHA`, and `EVAL` when Redis lost the script. */
export interface RedisScriptClient {
  evalSha(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** Options of {@link createRedisStateStore}. */
export interface RedisStateStoreOptions {
  /**
   * Key namespace, `[A-Za-z0-9:._-]`, default `ce-connect:used-states`. Keys are `{namespace}:<SHA-256 of the
   * handler's key>` plus `{namespace}:epoch`; the braces keep them in one Redis Cluster slot.
   */
  namespace?: string;
  /** Milliseconds to wait for Redis before the request is answered 503; default 1000. */
  timeoutMs?: number;
}

/** Why the store could not decide; the handler answers 503 and accepts nothing. */
export class StateStoreError extends Error {
  constructor(
    override readonly name: 'StateStoreTimeoutError' | 'StateStoreMemoryLostError' | 'StateStoreReplyError',
    message: string,
  ) {
    super(message);
  }
}

// One atomic step: SET NX PX decides who is first. Before it, the epoch check: `{ns}:epoch` holds the Redis time
// at which this memory began (set when the store is created, or when a call finds it gone — after a restart
// without persistence, a FLUSHALL or an eviction). A state issued before then may have been used in the memory
// that was lost, so it is refused (-1) rather than accepted: a replay is never let through because Redis forgot.
// The issue time is `now + ttl - USED_STATE_MEMORY_MS` because the handler passes ttl = issuedAt + that - now.
const CONSUME_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local stored = redis.call('GET', KEYS[2])
local epoch = stored and tonumber(stored)
if not epoch then
  epoch = now
  redis.call('SET', KEYS[2], string.format('%d', now))
end
if now + tonumber(ARGV[1]) - tonumber(ARGV[2]) < epoch then return -1 end
if redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return 1 end
return 0
`;

// Marks the start of this memory when the store is created, so flows issued from then on are vouched for.
const EPOCH_SCRIPT = `
local t = redis.call('TIME')
redis.call('SET', KEYS[1], string.format('%d', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)), 'NX')
return 1
`;

// The optional peek and release of the StateStore interface (connect links).
const HAS_SCRIPT = "return redis.call('EXISTS', KEYS[1])";
const RELEASE_SCRIPT = "return redis.call('DEL', KEYS[1])";

const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');
const CONSUME_SHA = sha1(CONSUME_SCRIPT);
const EPOCH_SHA = sha1(EPOCH_SCRIPT);
const HAS_SHA = sha1(HAS_SCRIPT);
const RELEASE_SHA = sha1(RELEASE_SCRIPT);

/** Rejects with a StateStoreTimeoutError when `promise` takes longer than `ms`. */
function bounded<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StateStoreError('StateStoreTimeoutError', `Redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A {@link StateStore} on Redis for `createConnectHandler({ stateStore })`: every process given a store on the same
 * Redis accepts a state once between them. `client` is a connected node-redis client; create it with
 * `disableOfflineQueue: true` so that calls fail at once while Redis is unreachable (they are bounded by
 * `timeoutMs` either way). Redis must keep keys until they expire: `maxmemory-policy noeviction`.
 */
export function createRedisStateStore(client: RedisScriptClient, options: RedisStateStoreOptions = {}): StateStore {
  if (typeof client !== 'object' || client === null || typeof client.evalSha !== 'function' || typeof client.eval !== 'function') {
    fail('client must be a node-redis client (with eval and evalSha)', REDIS_ENTRY);
  }
  const namespace = options.namespace ?? 'ce-connect:used-states';
  if (typeof namespace !== 'string' || !/^[A-Za-z0-9:._-]{1,100}$/.test(namespace)) {
    fail('namespace must be 1–100 characters of A–Z, a–z, 0–9, ":", ".", "_" and "-"', REDIS_ENTRY);
  }
  const timeoutMs = options.timeoutMs ?? 1000;
  if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs <= 0)
    fail('timeoutMs must be a positive integer', REDIS_ENTRY);
  const epochKey = `{${namespace}}:epoch`;

  const run = async (sha: string, script: string, keys: string[], args: string[]): Promise<unknown> => {
    try {
      return await client.evalSha(sha, { keys, arguments: args });
    } catch (error) {
      // A restarted Redis has an empty script cache.
      if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
      return client.eval(script, { keys, arguments: args });
    }
  };
  // The first call waits for this, so that this process's own first call cannot be the one that sets the epoch.
  const started = bounded(run(EPOCH_SHA, EPOCH_SCRIPT, [epochKey], []), timeoutMs).catch(() => undefined);

  // Only a digest reaches Redis, whatever the caller passes.
  const keyOf = (key: string): string => {
    if (typeof key !== 'string' || key === '') throw new TypeError('ce-connect/server/redis: key must be a non-empty string');
    return `{${namespace}}:${createHash('sha256').update(key).digest('base64url')}`;
  };

  return {
    async has(key) {
      const reply = await bounded(run(HAS_SHA, HAS_SCRIPT, [keyOf(key)], []), timeoutMs);
      return reply === 1;
    },
    async release(key) {
      await bounded(run(RELEASE_SHA, RELEASE_SCRIPT, [keyOf(key)], []), timeoutMs);
    },
    async consumeOnce(key, ttlMs) {
      const usedKey = keyOf(key);
      if (!Number.isInteger(ttlMs) || ttlMs <= 0) throw new TypeError('ce-connect/server/redis: ttlMs must be a positive integer');
      await started;
      const args = [String(ttlMs), String(USED_STATE_MEMORY_MS)];
      const reply = await bounded(run(CONSUME_SHA, CONSUME_SCRIPT, [usedKey, epochKey], args), timeoutMs);
      if (reply === 1) return true;
      if (reply === 0) return false;
      if (reply === -1) {
        throw new StateStoreError('StateStoreMemoryLostError', 'Redis lost its memory of used states after this state was issued');
      }
      throw new StateStoreError('StateStoreReplyError', 'Redis sent an unexpected reply');
    },
  };
}

export type { StateStore } from './state-store.js';
