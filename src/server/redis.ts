/**
 * `ce-connect/server/redis`: the store of used states for several server processes, on Redis. It takes a
 * connected `redis` (node-redis) client and never imports the package itself, so `redis` stays an optional peer
 * dependency that no other entry point loads.
 */
import { createHash } from 'node:crypto';
import { fail } from './options.js';
import { USED_STATE_MEMORY_MS, type StateStore } from './state-store.js';

const REDIS_ENTRY = 'ce-connect/server/redis';

/**
 * What the store needs from a node-redis client (v5 or v6): `EVALSHA`, `EVAL` when Redis lost the script, and
 * `CONFIG GET` for the eviction-policy check (not needed with `allowEviction: true`).
 */
export interface RedisScriptClient {
  evalSha(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  configGet?(parameter: string): Promise<unknown>;
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
  /**
   * Skip the check that Redis runs with `maxmemory-policy noeviction` (default `false`). Under any other policy
   * Redis may evict a used state's key and accept its replay, so the store refuses to answer (every call rejects
   * with a `StateStoreEvictionPolicyError`, the handler answers 503) until the policy is `noeviction`. Set this
   * only when you checked the policy yourself: a Redis that forbids `CONFIG GET` (managed services, ACLs), or a
   * cluster client.
   */
  allowEviction?: boolean;
}

/** Why the store could not decide; the handler answers 503 and accepts nothing. */
export class StateStoreError extends Error {
  constructor(
    override readonly name:
      'StateStoreTimeoutError' | 'StateStoreMemoryLostError' | 'StateStoreReplyError' | 'StateStoreEvictionPolicyError',
    message: string,
  ) {
    super(message);
  }
}

// One atomic step: SET NX PX decides who is first. Before it, the epoch check: `{ns}:epoch` holds the Redis time
// at which this memory began. A state issued before then may have been used in the memory that was lost, so it
// is refused (-1) rather than accepted: a replay is never let through because Redis forgot. When a call finds the
// epoch gone, the memory began at the server's start if nothing flushed it since (a restart without
// persistence: sign-ins started after the restart are fine), else now (a FLUSHALL or FLUSHDB at an unknown time;
// eviction is ruled out by the policy check). Redis counts its uptime in whole seconds, so the start is taken as
// the end of the second it began in: never earlier than the true start, at most a second later.
// The issue time is `now + ttl - USED_STATE_MEMORY_MS` because the handler passes ttl = issuedAt + that - now.
const CONSUME_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local stored = redis.call('GET', KEYS[2])
local epoch = stored and tonumber(stored)
if not epoch then
  epoch = now
  local stats = redis.call('INFO', 'commandstats')
  if not string.find(stats, 'cmdstat_flushall:', 1, true) and not string.find(stats, 'cmdstat_flushdb:', 1, true) then
    local uptime = tonumber(string.match(redis.call('INFO', 'server'), 'uptime_in_seconds:(%d+)'))
    if uptime then epoch = math.min(now, (tonumber(t[1]) - uptime + 1) * 1000) end
  end
  redis.call('SET', KEYS[2], string.format('%d', epoch))
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

// The optional peek and release of the StateStore interface (connect links, events): scripts too, so the store
// needs nothing of the client but EVAL and EVALSHA.
const HAS_SCRIPT = "return redis.call('EXISTS', KEYS[1])";
const RELEASE_SCRIPT = "return redis.call('DEL', KEYS[1])";

const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');
const CONSUME_SHA = sha1(CONSUME_SCRIPT);
const EPOCH_SHA = sha1(EPOCH_SCRIPT);
const HAS_SHA = sha1(HAS_SCRIPT);
const RELEASE_SHA = sha1(RELEASE_SCRIPT);

/** The policy out of a `CONFIG GET maxmemory-policy` reply: node-redis gives an object, RESP2 a flat array. */
function policyOf(reply: unknown): unknown {
  if (Array.isArray(reply)) return reply[1];
  if (reply instanceof Map) return reply.get('maxmemory-policy');
  return typeof reply === 'object' && reply !== null
    ? (reply as Record<string, unknown>)['maxmemory-policy']
    : undefined;
}

/** Rejects with a StateStoreTimeoutError when `promise` takes longer than `ms`. */
function bounded<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new StateStoreError('StateStoreTimeoutError', `Redis did not answer within ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A {@link StateStore} on Redis for `createConnectHandler({ stateStore })`: every process given a store on the same
 * Redis accepts a state once between them. `client` is a connected node-redis client; create it with
 * `disableOfflineQueue: true` so that calls fail at once while Redis is unreachable (they are bounded by
 * `timeoutMs` either way). Redis must keep keys until they expire: `maxmemory-policy noeviction`, which the store
 * checks at its first use (see {@link RedisStateStoreOptions.allowEviction}).
 */
export function createRedisStateStore(client: RedisScriptClient, options: RedisStateStoreOptions = {}): StateStore {
  if (
    typeof client !== 'object' ||
    client === null ||
    typeof client.evalSha !== 'function' ||
    typeof client.eval !== 'function'
  ) {
    fail('client must be a node-redis client (with eval and evalSha)', REDIS_ENTRY);
  }
  const namespace = options.namespace ?? 'ce-connect:used-states';
  if (typeof namespace !== 'string' || !/^[A-Za-z0-9:._-]{1,100}$/.test(namespace)) {
    fail('namespace must be 1–100 characters of A–Z, a–z, 0–9, ":", ".", "_" and "-"', REDIS_ENTRY);
  }
  const timeoutMs = options.timeoutMs ?? 1000;
  if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs <= 0)
    fail('timeoutMs must be a positive integer', REDIS_ENTRY);
  const allowEviction = options.allowEviction ?? false;
  if (typeof allowEviction !== 'boolean') fail('allowEviction must be a boolean', REDIS_ENTRY);
  if (!allowEviction && typeof client.configGet !== 'function') {
    fail(
      'client cannot run CONFIG GET to check maxmemory-policy: check it is noeviction and pass allowEviction: true',
      REDIS_ENTRY,
    );
  }
  const epochKey = `{${namespace}}:epoch`;
  // Checked until it passes, so a host that fixes the policy needs no restart; a pass is kept.
  let policyChecked = allowEviction;
  const checkPolicy = async (): Promise<void> => {
    let policy: unknown;
    try {
      policy = policyOf(await bounded(client.configGet!('maxmemory-policy'), timeoutMs));
    } catch (error) {
      // Only Redis's refusal (an error reply: "NOPERM …", "ERR unknown command …") is about CONFIG; a lost
      // connection is just that.
      if (error instanceof StateStoreError || !/^[A-Z]+ /.test(String((error as Error)?.message))) throw error;
      throw new StateStoreError(
        'StateStoreEvictionPolicyError',
        'Redis could not read maxmemory-policy (CONFIG GET failed): make sure it is noeviction, then pass allowEviction: true',
      );
    }
    if (policy !== 'noeviction') {
      throw new StateStoreError(
        'StateStoreEvictionPolicyError',
        `Redis maxmemory-policy is ${typeof policy === 'string' ? policy.slice(0, 40) : 'unknown'}: it may evict a used state and accept its replay. Set it to noeviction, or pass allowEviction: true to accept that risk`,
      );
    }
    policyChecked = true;
  };

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
  const usedKey = (key: unknown): string => {
    if (typeof key !== 'string' || key === '')
      throw new TypeError('ce-connect/server/redis: key must be a non-empty string');
    return `{${namespace}}:${createHash('sha256').update(key).digest('base64url')}`;
  };

  return {
    async has(key) {
      const reply = await bounded(run(HAS_SHA, HAS_SCRIPT, [usedKey(key)], []), timeoutMs);
      return reply === 1;
    },
    async consumeOnce(key, ttlMs) {
      const stored = usedKey(key);
      if (!Number.isInteger(ttlMs) || ttlMs <= 0)
        throw new TypeError('ce-connect/server/redis: ttlMs must be a positive integer');
      await started;
      if (!policyChecked) await checkPolicy();
      const args = [String(ttlMs), String(USED_STATE_MEMORY_MS)];
      const reply = await bounded(run(CONSUME_SHA, CONSUME_SCRIPT, [stored, epochKey], args), timeoutMs);
      if (reply === 1) return true;
      if (reply === 0) return false;
      if (reply === -1) {
        throw new StateStoreError(
          'StateStoreMemoryLostError',
          'Redis lost its memory of used states after this state was issued',
        );
      }
      throw new StateStoreError('StateStoreReplyError', 'Redis sent an unexpected reply');
    },

    async release(key) {
      const stored = usedKey(key);
      await bounded(run(RELEASE_SHA, RELEASE_SCRIPT, [stored], []), timeoutMs);
    },
  };
}

export type { StateStore } from './state-store.js';
