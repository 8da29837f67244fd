// Hardening 2, 3, 4, 6 and 9 (hook request): a Cloud Elements that answers too much or too late, and host code
// (onInstanceCreated, now) that hangs or throws oddly. The handler talks to an in-process sandbox (no sockets,
// so the handler's timers can be mocked), except where a real gzip answer over loopback is the point.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { afterEach, describe, test } from 'node:test';
import { createConnectHandler } from '../../lib/server/index.js';
import { authorize, inProcess, pageResult, startHarness } from './support/harness.mjs';

const APP = 'https://app.test';

let harness;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Lets every pending promise callback and I/O callback run (mocked timers do not move). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('hardening 2: Cloud Elements answers are read with a 1 MB cap', () => {
  test('a gzip answer inflating to 16 MB (valid JSON) is cut off → 502 bad-response, not read to the end', async () => {
    const logs = [];
    const ce = createServer(async (req, res) => {
      const state = new URL(req.url, 'http://ce.test').searchParams.get('state');
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
      const json = function* () {
        yield `{"oauthUrl":"https://login.test/authorize?state=${state}","padding":"`;
        for (let i = 0; i < 256; i += 1) yield '0'.repeat(64 * 1024);
        yield '"}';
      };
      await pipeline(Readable.from(json()), createGzip(), res).catch(() => {});
    });
    await new Promise((resolve) => ce.listen(0, '127.0.0.1', resolve));
    try {
      const handler = createConnectHandler({
        cloudElements: {
          baseUrl: `http://127.0.0.1:${ce.address().port}/elements/api-v2`,
          userSecret: 'u',
          organizationSecret: 'o',
        },
        elements: { sfdc: { apiKey: 'k', apiSecret: 's', callbackUrl: `${APP}/cb` } },
        cookieSecret: 'c'.repeat(32),
        onInstanceCreated: () => {},
        log: (line) => logs.push(line),
      });
      const response = await handler(new Request(`${APP}/api/ce/sfdc/oauth/url`, { headers: { 'X-CE-Connect': '1' } }));
      assert.equal(response.status, 502);
      assert.deepEqual(await response.json(), { message: 'Cloud Elements sent an unexpected response' });
      assert.ok(
        logs.some((line) => line.includes('cloud-elements.failed call=oauth-url failure=bad-response')),
        logs.join('\n'),
      );
    } finally {
      ce.closeAllConnections();
      await new Promise((resolve) => ce.close(resolve));
    }
  });

  test('the body is pulled only up to the cap, then cancelled (an endless answer costs 1 MB, not all memory)', async () => {
    let pulled = 0;
    let cancelled = false;
    const chunk = new Uint8Array(64 * 1024).fill(0x30);
    const { handler } = inProcess({
      // 64 MB on offer, one chunk per pull: what is pulled is what the handler read.
      around: async () =>
        new Response(
          new ReadableStream(
            {
              pull(controller) {
                pulled += chunk.length;
                if (pulled > 64 * 1024 * 1024) controller.close();
                else controller.enqueue(chunk);
              },
              cancel() {
                cancelled = true;
              },
            },
            { highWaterMark: 0 },
          ),
          { headers: { 'Content-Type': 'application/json' } },
        ),
    });
    const response = await handler(new Request(`${APP}/api/ce/sfdc/oauth/url`, { headers: { 'X-CE-Connect': '1' } }));
    assert.equal(response.status, 502);
    assert.ok(pulled <= 1024 * 1024 + 2 * chunk.length, `pulled ${pulled} bytes`);
    assert.equal(cancelled, true);
  });
});

describe('hardening 3: onInstanceCreated has a deadline (hookTimeoutMs)', () => {
  test('a hook that never settles fails the flow at hookTimeoutMs, not before: logged, instance deleted, exchange_failed', async (t) => {
    let hookCalled;
    const called = new Promise((resolve) => (hookCalled = resolve));
    const pair = inProcess({
      hookTimeoutMs: 5000,
      onInstanceCreated: () => {
        hookCalled();
        return new Promise(() => {});
      },
    });
    const { state, request } = await pair.callbackRequest();
    t.mock.timers.enable({ apis: ['setTimeout'] });
    let settled = false;
    const pending = pair.handler(request).finally(() => (settled = true));
    await called;
    assert.equal(pair.sandbox.instances().length, 1);
    t.mock.timers.tick(4999);
    await settle();
    assert.equal(settled, false, 'still waiting for the hook before hookTimeoutMs');
    t.mock.timers.tick(1);
    await settle();
    assert.equal(settled, true, 'answered once hookTimeoutMs ran out');
    const result = pageResult(await (await pending).text());
    assert.deepEqual({ state: result.state, error: result.error }, { state, error: 'exchange_failed' });
    assert.deepEqual(pair.sandbox.instances(), [], 'the instance nobody stored was deleted');
    assert.ok(
      pair.logs.some((line) =>
        /^ce-connect instance\.store-failed element=sfdc instanceId=\d+ reason=hook-timeout$/.test(line),
      ),
      pair.logs.join('\n'),
    );
    assert.ok(
      pair.logs.some((line) =>
        /^ce-connect instance\.removed element=sfdc instanceId=\d+ reason=store-failed$/.test(line),
      ),
    );
  });

  test('hookTimeoutMs defaults to 10 s and is validated', async (t) => {
    assert.throws(() => inProcess({ hookTimeoutMs: 0 }), /hookTimeoutMs must be a positive integer/);
    assert.throws(
      () => inProcess({ hookTimeoutMs: 2 ** 31 }),
      /hookTimeoutMs must be a positive integer no larger than 2147483647/,
    );
    let hookCalled;
    const called = new Promise((resolve) => (hookCalled = resolve));
    const pair = inProcess({
      onInstanceCreated: () => {
        hookCalled();
        return new Promise(() => {});
      },
    });
    const { request } = await pair.callbackRequest();
    t.mock.timers.enable({ apis: ['setTimeout'] });
    let settled = false;
    const pending = pair.handler(request).finally(() => (settled = true));
    await called;
    t.mock.timers.tick(9999);
    await settle();
    assert.equal(settled, false);
    t.mock.timers.tick(1);
    assert.equal(pageResult(await (await pending).text()).error, 'exchange_failed');
  });
});

describe('hardening 4: a create that times out does not leave an instance behind', () => {
  /** Cloud Elements creates the instance but holds its answer until the handler gives up (timeoutMs). */
  function slowCreate() {
    return async (request, forward) => {
      if (request.method !== 'POST' || !request.url.endsWith('/instances')) return forward(request);
      await (await forward(request)).arrayBuffer();
      const { signal } = request;
      return new Promise((_resolve, reject) => {
        if (signal.aborted) reject(signal.reason);
        signal.addEventListener('abort', () => reject(signal.reason));
      });
    };
  }

  test('flow 4a: the late instance is found by its flow tag and deleted, and logged as such', async (t) => {
    const pair = inProcess({ around: slowCreate() });
    const { state, request } = await pair.callbackRequest();
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const pending = pair.handler(request);
    while (pair.sandbox.instances().length === 0) await settle();
    const [instance] = pair.sandbox.instances();
    t.mock.timers.tick(10_000);
    const result = pageResult(await (await pending).text());
    assert.equal(result.error, 'exchange_failed');
    assert.deepEqual(pair.sandbox.instances(), [], 'no instance is left at Cloud Elements');
    // The tag: on the created instance, looked up with tags[], and no state in it.
    const [tag] = instance.tags;
    assert.match(tag, /^ce-connect-flow-[A-Za-z0-9_-]{22}$/);
    assert.equal(tag.includes(state), false);
    const lookup = pair.calls.find(
      (call) => call.method === 'GET' && new URL(call.url).pathname.endsWith('/instances'),
    );
    assert.equal(new URL(lookup.url).searchParams.get('tags[]'), tag);
    assert.ok(pair.calls.some((call) => call.method === 'DELETE' && call.url.endsWith(`/instances/${instance.id}`)));
    assert.deepEqual(
      // Without the creation-time warning of a handler without authorize (#19 item 1).
      pair.logs.filter((line) => !line.includes('flow.started') && !line.includes('authorize.missing')),
      [
        'ce-connect cloud-elements.failed call=instances failure=timeout',
        'ce-connect instance.create-timeout element=sfdc found=1 matching=1',
        `ce-connect instance.removed element=sfdc instanceId=${instance.id} reason=create-timeout`,
      ],
    );
  });

  /**
   * Flow 4a whose create times out while `lookup(flowTag, late)` answers the clean-up's tag look-up (`late`: the
   * instance Cloud Elements made); resolves to the late instance, the ids deleted and the log.
   */
  async function timedOutCreate(t, lookup) {
    const pair = inProcess({
      around: async (request, forward) => {
        const url = new URL(request.url);
        if (request.method !== 'GET' || !url.pathname.endsWith('/instances')) return slowCreate()(request, forward);
        return Response.json(lookup(url.searchParams.get('tags[]'), pair.sandbox.instances()[0]));
      },
    });
    const { request } = await pair.callbackRequest();
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const pending = pair.handler(request);
    while (pair.sandbox.instances().length === 0) await settle();
    const [late] = pair.sandbox.instances();
    t.mock.timers.tick(10_000);
    assert.equal(pageResult(await (await pending).text()).error, 'exchange_failed');
    const deletes = pair.calls.filter((call) => call.method === 'DELETE').map((call) => call.url.split('/').at(-1));
    return { late, deletes, logs: pair.logs, left: pair.sandbox.instances() };
  }

  test('#19 item 2: an upstream that ignores tags[] → only the one instance of this flow, owner and element is deleted', async (t) => {
    // Cloud Elements answers the tag look-up with every instance of the account: the late one of this flow, one
    // of another owner, one without tags and one of another element that carries this flow's and owner's tags.
    const { late, deletes, logs, left } = await timedOutCreate(t, (flowTag, late) => {
      const ownerTag = late.tags.find((tag) => tag.startsWith('ce-connect-owner:'));
      return [
        { id: late.id, element: { key: 'sfdc' }, tags: late.tags },
        { id: 9001, element: { key: 'sfdc' }, tags: ['ce-connect-owner:someone-else', flowTag] },
        { id: 9002, element: { key: 'sfdc' } },
        { id: 9003, element: { key: 'hubspot' }, tags: [flowTag, ownerTag] },
      ];
    });
    assert.deepEqual(deletes, [String(late.id)], 'only the instance this flow made');
    assert.deepEqual(left, []);
    assert.ok(logs.includes('ce-connect instance.create-timeout element=sfdc found=4 matching=1'), logs.join('\n'));
    for (const id of [9001, 9002, 9003]) {
      assert.ok(
        logs.includes(`ce-connect instance.kept element=sfdc instanceId=${id} reason=not-this-flow`),
        logs.join('\n'),
      );
    }
  });

  test("#19 item 2: two instances that both look like this flow's → neither is deleted, both logged", async (t) => {
    const { late, deletes, logs } = await timedOutCreate(t, (_flowTag, late) => [late, { ...late, id: 9100 }]);
    assert.deepEqual(deletes, []);
    assert.ok(
      logs.includes(`ce-connect instance.kept element=sfdc instanceId=${late.id} reason=ambiguous`),
      logs.join('\n'),
    );
    assert.ok(logs.includes('ce-connect instance.kept element=sfdc instanceId=9100 reason=ambiguous'));
  });

  test('flow 4b: 504 after the clean-up; a failed look-up is logged distinctly', async (t) => {
    let lookups = 0;
    const pair = inProcess({
      around: async (request, forward) => {
        if (request.method === 'GET' && new URL(request.url).pathname.endsWith('/instances')) {
          lookups += 1;
          return new Response('{"message":"down"}', { status: 503 });
        }
        return slowCreate()(request, forward);
      },
    });
    const { state, request } = await pair.callbackRequest();
    const code = new URL(request.url).searchParams.get('code');
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const pending = pair.handler(
      new Request(`${APP}/api/ce/instances`, {
        method: 'POST',
        headers: {
          'X-CE-Connect': '1',
          Origin: APP,
          'Content-Type': 'application/json',
          Cookie: request.headers.get('cookie'),
        },
        body: JSON.stringify({ element: { key: 'sfdc' }, providerData: { code }, state }),
      }),
    );
    while (pair.sandbox.instances().length === 0) await settle();
    t.mock.timers.tick(10_000);
    const response = await pending;
    assert.equal(response.status, 504);
    assert.equal(lookups, 1);
    assert.ok(
      pair.logs.includes('ce-connect instance.create-timeout element=sfdc lookup=failed failure=error-status'),
      pair.logs.join('\n'),
    );
  });
});

describe('hardening 6: host errors are opaque', () => {
  const oddErrors = {
    'a throwing name getter': () => ({
      get name() {
        throw new Error('name getter');
      },
    }),
    'a name holding the token': (token) => Object.assign(new Error('x'), { name: `TokenError ${token}` }),
    null: () => null,
  };
  for (const [title, makeError] of Object.entries(oddErrors)) {
    test(`onInstanceCreated throws ${title} → exchange_failed, the instance deleted, a fixed log reason`, async () => {
      let token;
      const pair = inProcess({
        onInstanceCreated: (event) => {
          token = event.token;
          throw makeError(event.token);
        },
      });
      const { state, request } = await pair.callbackRequest();
      const response = await pair.handler(request);
      assert.equal(response.status, 200);
      assert.deepEqual(pageResult(await response.text()).error, 'exchange_failed');
      assert.deepEqual(pair.sandbox.instances(), []);
      assert.ok(
        pair.logs.some((line) => /instance\.store-failed element=sfdc instanceId=\d+ reason=hook-threw$/.test(line)),
        pair.logs.join('\n'),
      );
      for (const line of pair.logs) {
        assert.equal(line.includes(token), false, line);
        assert.equal(line.includes(state), false, line);
      }
    });
  }

  test('an odd error from other host code (the clock) → 500 JSON and a fixed log line, never its text', async () => {
    const logs = [];
    const pair = inProcess({
      log: (line) => logs.push(line),
      now: () => {
        throw Object.defineProperty(new Error('SENTINEL-message'), 'name', {
          get() {
            throw new Error('SENTINEL-getter');
          },
        });
      },
    });
    const response = await pair.handler(
      new Request(`${APP}/api/ce/sfdc/oauth/url`, { headers: { 'X-CE-Connect': '1' } }),
    );
    assert.equal(response.status, 500);
    assert.deepEqual(await response.json(), { message: 'Internal error' });
    assert.deepEqual(
      logs.filter((line) => !line.includes('authorize.missing')), // the creation-time warning (#19 item 1)
      ['ce-connect request.failed reason=internal-error'],
    );
  });
});

test('hardening 9: the request onInstanceCreated gets carries neither code nor state in its URL', async () => {
  const seen = [];
  harness = await startHarness({ server: { onInstanceCreated: ({ request }) => seen.push(request) } });
  const browser = harness.browser();
  const { location } = await authorize(browser);
  location.searchParams.append('realmId', '42');
  assert.match(pageResult((await browser.fetch(location.href)).body).instanceId, /^\d+$/);
  const [request] = seen;
  const url = new URL(request.url);
  assert.equal(url.pathname, '/api/ce/sfdc/oauth/callback');
  assert.deepEqual([...url.searchParams.keys()], ['realmId'], 'other parameters stay');
  assert.match(request.headers.get('cookie'), /ce-connect-flow-/, 'the headers stay (the host looks its session up)');
  assert.equal(request.method, 'GET');
});
