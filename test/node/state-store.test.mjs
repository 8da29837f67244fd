// The `stateStore` option and its in-memory default: every single-use decision goes through the store, keys are
// digests, a failing store fails closed; the default store's sweep does a bounded amount of work per call.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { afterEach, describe, test } from 'node:test';
import { createConnectHandler, createMemoryStateStore } from '../../lib/server/index.js';
import { authorize, manualClock, pageResult, startHarness } from './support/harness.mjs';

let harness;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/**
 * A memory store whose Maps count every operation: get/set/has/delete and each step of any iteration (for…of,
 * entries, keys, values, forEach). `operations(work)` runs `work` synchronously and returns how many it made.
 * Implementation-independent: a scan over the held keys shows up as one step per key.
 */
function instrumentedStore(options) {
  let count = 0;
  const NativeMap = globalThis.Map;
  const counted = (iterator) => ({
    next: () => {
      count += 1;
      return iterator.next();
    },
    [Symbol.iterator]() {
      return this;
    },
  });
  class CountingMap extends NativeMap {
    get(key) {
      count += 1;
      return super.get(key);
    }
    set(key, value) {
      count += 1;
      return super.set(key, value);
    }
    has(key) {
      count += 1;
      return super.has(key);
    }
    delete(key) {
      count += 1;
      return super.delete(key);
    }
    forEach(callback, thisArg) {
      return super.forEach((...args) => {
        count += 1;
        callback.apply(thisArg, args);
      });
    }
    entries() {
      return counted(super.entries());
    }
    keys() {
      return counted(super.keys());
    }
    values() {
      return counted(super.values());
    }
    [Symbol.iterator]() {
      return counted(super.entries());
    }
  }
  globalThis.Map = CountingMap;
  let store;
  try {
    store = createMemoryStateStore(options);
  } finally {
    globalThis.Map = NativeMap;
  }
  return {
    store,
    operations(work) {
      const before = count;
      work();
      return count - before;
    },
  };
}

describe('createMemoryStateStore (the default store)', () => {
  test('true for the first caller within ttlMs, false for every later one; the key is free again once expired', async () => {
    const clock = manualClock();
    const store = createMemoryStateStore({ now: clock.now });
    assert.equal(await store.consumeOnce('a', 1000), true);
    const concurrent = await Promise.all([store.consumeOnce('b', 1000), store.consumeOnce('b', 1000)]);
    assert.deepEqual(concurrent, [true, false]);
    clock.advance(999);
    assert.equal(await store.consumeOnce('a', 1000), false, 'used until its last millisecond');
    clock.advance(1);
    assert.equal(await store.consumeOnce('a', 1000), true);
  });

  test('bounded work per call: the same number of Map operations with 1,000 or 100,000 live keys', () => {
    const maxOperationsPerCall = (held) => {
      const clock = manualClock();
      const { store, operations } = instrumentedStore({ now: clock.now });
      for (let i = 0; i < held; i += 1) store.consumeOnce(`held-${i}`, 3_600_000);
      clock.advance(1);
      let max = 0;
      for (let i = 0; i < 200; i += 1)
        max = Math.max(
          max,
          operations(() => store.consumeOnce(`new-${i}`, 3_600_000)),
        );
      return max;
    };
    const small = maxOperationsPerCall(1_000);
    const large = maxOperationsPerCall(100_000);
    assert.ok(small <= 16, `${small} Map operations per call`);
    assert.equal(large, small, 'the work per call does not grow with the number of keys held');
  });

  test('expired keys are swept in order of expiry, a bounded number per call, and all of them eventually', async () => {
    const clock = manualClock();
    const { store, operations: countOperations } = instrumentedStore({ now: clock.now });
    const expiresIn = (i) => 1 + ((i * 7919) % 10_000); // 1..10,000 ms, in scrambled order
    for (let i = 0; i < 10_000; i += 1) store.consumeOnce(`short-${i}`, expiresIn(i));
    for (let i = 0; i < 100; i += 1) store.consumeOnce(`long-${i}`, 3_600_000);
    assert.equal(store.size, 10_100);
    clock.advance(5_000); // half of the short keys have expired
    let calls = 0;
    let largestSweep = 0;
    while (store.size > 5_100 + calls) {
      const before = store.size;
      const operations = countOperations(() => store.consumeOnce(`probe-${calls}`, 3_600_000));
      calls += 1;
      largestSweep = Math.max(largestSweep, before + 1 - store.size);
      assert.ok(operations <= 16, `${operations} Map operations in one call`);
      assert.ok(calls <= 5_000, 'the backlog shrinks on every call');
    }
    assert.equal(store.size, 5_100 + calls, 'every expired key is gone, and only those');
    assert.ok(largestSweep >= 2 && largestSweep <= 8, `one call removed ${largestSweep} keys`);
    const unexpired = Array.from({ length: 10_000 }, (_, i) => i).filter((i) => expiresIn(i) > 5_000);
    const answers = await Promise.all(unexpired.map((i) => store.consumeOnce(`short-${i}`, 1)));
    assert.ok(
      answers.every((answer) => answer === false),
      'every unexpired key is still remembered',
    );
  });
});

describe('the stateStore option', () => {
  /** A store that records its calls and answers like the default (or as `answer` says). */
  function recordingStore(answer) {
    const memory = createMemoryStateStore();
    const calls = [];
    return {
      calls,
      consumeOnce(key, ttlMs) {
        calls.push({ key, ttlMs });
        return answer ? answer(key, ttlMs) : memory.consumeOnce(key, ttlMs);
      },
    };
  }

  test('must have consumeOnce', () => {
    const base = {
      cloudElements: { userSecret: 'u', organizationSecret: 'o' },
      elements: { sfdc: { apiKey: 'k', apiSecret: 's', callbackUrl: 'https://app.test/cb' } },
      cookieSecret: 'c'.repeat(32),
      onInstanceCreated: () => {},
    };
    for (const stateStore of [null, {}, { consumeOnce: true }, 'redis']) {
      assert.throws(() => createConnectHandler({ ...base, stateStore }), /stateStore must have a consumeOnce/);
    }
    assert.doesNotThrow(() => createConnectHandler({ ...base, stateStore: recordingStore() }));
  });

  test('decides both routes: one call per completion, the key a digest of the state, remembered 11 minutes after issue', async () => {
    const clock = manualClock();
    const store = recordingStore();
    harness = await startHarness({ server: { now: clock.now, flowTtlMs: 120_000, stateStore: store } });
    const browser = harness.browser();
    const flow4a = await authorize(browser);
    clock.advance(30_000);
    assert.equal(pageResult((await browser.fetch(flow4a.location.href)).body).state, flow4a.state);
    const { state, location } = await authorize(browser);
    const body = { element: { key: 'sfdc' }, providerData: { code: location.searchParams.get('code') }, state };
    const twin = harness.browser();
    twin.jar = browser.jar.cloneSync();
    const results = await Promise.all([browser.postInstance(body), twin.postInstance(body)]);
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 409]);
    assert.deepEqual(store.calls, [
      { key: createHash('sha256').update(flow4a.state).digest('base64url'), ttlMs: 11 * 60_000 - 30_000 },
      { key: createHash('sha256').update(state).digest('base64url'), ttlMs: 11 * 60_000 },
      { key: createHash('sha256').update(state).digest('base64url'), ttlMs: 11 * 60_000 },
    ]);
    assert.equal(harness.instanceCalls().length, 2);
  });

  test('a store that says false → 409 and no exchange; states it never saw are still checked first (no call)', async () => {
    const store = recordingStore(async () => false);
    harness = await startHarness({ callbackPath: () => '/cb', server: { stateStore: store } });
    const browser = harness.browser();
    const { state, location } = await authorize(browser);
    const body = { element: { key: 'sfdc' }, providerData: { code: location.searchParams.get('code') }, state };
    assert.equal((await harness.browser().postInstance(body)).status, 400, 'no flow cookie: refused before the store');
    assert.equal(store.calls.length, 0);
    assert.equal((await browser.postInstance(body)).status, 409);
    assert.equal(store.calls.length, 1);
    assert.equal(harness.instanceCalls().length, 0);
  });

  test('a store that fails, throws or never answers true → 503 {"message"} (4b), an error page (4a); nothing reaches Cloud Elements', async () => {
    for (const answer of [
      async () => {
        throw new Error('connection refused: redis://secret@10.0.0.1');
      },
      () => {
        throw new TypeError('sync');
      },
      async () => {
        // Host errors are opaque: a name that quotes where the store lives never reaches the log…
        throw Object.assign(new Error('x'), { name: 'RedisError redis://secret@10.0.0.1' });
      },
      async () => {
        // …and a throwing name getter cannot turn the 503 into a crash.
        throw Object.defineProperty(new Error('x'), 'name', {
          get() {
            throw new Error('10.0.0.1');
          },
        });
      },
    ]) {
      harness = await startHarness({ server: { stateStore: recordingStore(answer) } });
      const browser = harness.browser();
      const flow4b = await authorize(browser);
      const flow4a = await authorize(browser);
      const body = {
        element: { key: 'sfdc' },
        providerData: { code: flow4b.location.searchParams.get('code') },
        state: flow4b.state,
      };
      const refused = await browser.postInstance(body);
      assert.equal(refused.status, 503);
      assert.deepEqual(Object.keys(refused.json), ['message']);
      assert.equal(refused.body.includes('redis'), false, 'the store error is not passed through');
      const page = await browser.fetch(flow4a.location.href);
      assert.equal(page.status, 503);
      assert.equal(pageResult(page.body).error, 'exchange_failed');
      assert.equal(harness.instanceCalls().length, 0);
      assert.ok(harness.logs.some((line) => line.includes('state-store.failed')));
      assert.equal(harness.logs.join('\n').includes('10.0.0.1'), false, 'only the error class is logged');
      await harness.close();
      harness = undefined;
    }
    // A truthy answer that is not `true` is not a yes.
    harness = await startHarness({
      callbackPath: () => '/cb',
      server: { stateStore: recordingStore(async () => 'yes') },
    });
    const browser = harness.browser();
    const { state, location } = await authorize(browser);
    const body = { element: { key: 'sfdc' }, providerData: { code: location.searchParams.get('code') }, state };
    assert.equal((await browser.postInstance(body)).status, 409);
    assert.equal(harness.instanceCalls().length, 0);
  });
});
