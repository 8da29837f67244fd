// Two ce-connect/server processes (separate `node` processes, same configuration) behind a round-robin proxy,
// sharing used states through a real redis-server: a state is accepted once across both, a replay to the sibling
// is refused, and while Redis is gone nothing is accepted (503) — nor after it comes back empty.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Browser, pageResult } from './support/harness.mjs';
import { startDeployment } from '../../tools/multi-process.mjs';
import { redisMissing } from '../../tools/redis-server.mjs';
import { redisDeploymentForSuite } from './support/redis-deployment.mjs';

const skip = redisMissing();

/** A browser (real cookie jar) that talks to the proxy. */
function browserFor(deployment) {
  return new Browser({
    appUrl: deployment.appUrl,
    basePath: '/api/ce',
    send: (url, init) => fetch(url, init),
    responses: [],
  });
}

/** oauth/url through the proxy, then the provider (consent auto-allowed) → the callback URL with code and state. */
async function authorize(browser, element = 'sfdc') {
  const started = await browser.startFlow(element);
  assert.equal(started.status, 200, started.body);
  const consent = await fetch(started.json.oauthUrl, { redirect: 'manual' });
  await consent.arrayBuffer();
  assert.equal(consent.status, 303);
  const location = new URL(consent.headers.get('location'));
  return {
    state: started.json.state,
    code: location.searchParams.get('code'),
    location,
    servedBy: started.headers.get('x-served-by'),
  };
}

const exchangeBody = ({ state, code }) => ({ element: { key: 'sfdc' }, providerData: { code }, state });

describe('used states on Redis, two server processes behind a round-robin proxy', { skip }, () => {
  let redis;
  let deployment;
  redisDeploymentForSuite((running) => ({ redis, deployment } = running));

  test('a callback replayed to the sibling process is refused, and never reaches Cloud Elements', async () => {
    const browser = browserFor(deployment);
    const flow = await authorize(browser);
    const captured = browser.jar.cloneSync(); // what an attacker who saw the redirect and the cookie would hold
    const before = deployment.ce.instanceCalls();

    const first = await browser.fetch(flow.location.href);
    assert.equal(first.status, 200);
    assert.match(pageResult(first.body).instanceId, /^\d+$/);

    const replayer = browserFor(deployment);
    replayer.jar = captured;
    const replay = await replayer.fetch(flow.location.href);
    assert.notEqual(
      replay.headers.get('x-served-by'),
      first.headers.get('x-served-by'),
      'the proxy sent the replay to the other process',
    );
    assert.equal(replay.status, 409);
    assert.equal(pageResult(replay.body), null, 'a neutral page: nothing is reported for a replay');
    assert.equal(deployment.ce.instanceCalls() - before, 1, 'only the first callback exchanged the code');
  });

  test('200 concurrent POST /instances with one state, across both processes → exactly one 201, one exchange', async () => {
    const browser = browserFor(deployment);
    const flow = await authorize(browser);
    const jar = browser.jar.cloneSync();
    const before = deployment.ce.instanceCalls();
    const attempts = Array.from({ length: 200 }, () => {
      const twin = browserFor(deployment);
      twin.jar = jar.cloneSync();
      return twin.postInstance(exchangeBody(flow));
    });
    const results = await Promise.all(attempts);
    const statuses = results.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 201).length, 1, `statuses: ${[...new Set(statuses)]}`);
    assert.equal(statuses.filter((s) => s === 409).length, 199);
    const servedBy = new Set(results.map((r) => r.headers.get('x-served-by')));
    assert.deepEqual([...servedBy].sort(), ['p0', 'p1'], 'both processes took part');
    assert.equal(deployment.ce.instanceCalls() - before, 1, 'Cloud Elements saw one exchange');
  });

  test('200 concurrent callbacks with one state, across both processes → exactly one instance (flow 4a)', async () => {
    const browser = browserFor(deployment);
    const flow = await authorize(browser);
    const jar = browser.jar.cloneSync();
    const before = deployment.ce.instanceCalls();
    const pages = await Promise.all(
      Array.from({ length: 200 }, () => {
        const twin = browserFor(deployment);
        twin.jar = jar.cloneSync();
        return twin.fetch(flow.location.href);
      }),
    );
    const connected = pages.filter((page) => page.status === 200 && pageResult(page.body)?.instanceId);
    assert.equal(connected.length, 1);
    assert.equal(pages.filter((page) => page.status === 409).length, 199);
    assert.equal(deployment.ce.instanceCalls() - before, 1);
  });

  test('Redis stopped mid-run → 503 {"message"} on both processes, nothing accepted; back (empty) → old states still refused, new flows work', async () => {
    // A flow completed before the outage, whose cookie an attacker kept; and one started but not completed.
    const alice = browserFor(deployment);
    const done = await authorize(alice);
    const capturedDone = alice.jar.cloneSync();
    assert.equal((await alice.postInstance(exchangeBody(done))).status, 201);
    const pending = await authorize(alice);
    const capturedPending = alice.jar.cloneSync();
    const pending4a = await authorize(alice);
    const before = deployment.ce.instanceCalls();

    await redis.stop();
    const outage = [];
    for (let i = 0; i < 2; i += 1) {
      const replayer = browserFor(deployment);
      replayer.jar = capturedDone.cloneSync();
      outage.push(await replayer.postInstance(exchangeBody(done)));
      const retry = browserFor(deployment);
      retry.jar = capturedPending.cloneSync();
      outage.push(await retry.postInstance(exchangeBody(pending)));
    }
    for (const response of outage) {
      assert.equal(response.status, 503, response.body);
      assert.deepEqual(Object.keys(response.json), ['message']);
    }
    assert.deepEqual(new Set(outage.map((r) => r.headers.get('x-served-by'))), new Set(['p0', 'p1']));
    const page = await alice.fetch(pending4a.location.href);
    assert.equal(page.status, 503);
    assert.equal(
      pageResult(page.body).error,
      'exchange_failed',
      'flow 4a: the callback page reports the failure to the widget',
    );
    assert.equal(deployment.ce.instanceCalls(), before, 'nothing reached Cloud Elements during the outage');

    // Redis comes back with no memory (no persistence): wait until both processes have reconnected.
    const marks = deployment.processes.map((p) => p.events.length);
    await redis.start();
    await Promise.all(
      deployment.processes.map((p, i) => p.waitFor((event) => event.event === 'redis-ready', marks[i])),
    );

    // States issued before Redis lost its memory cannot be vouched for: still refused, on both processes.
    for (let i = 0; i < 2; i += 1) {
      const replayer = browserFor(deployment);
      replayer.jar = capturedDone.cloneSync();
      const replay = await replayer.postInstance(exchangeBody(done));
      assert.equal(replay.status, 503, 'the completed state is not accepted again after Redis forgot it');
      const retry = browserFor(deployment);
      retry.jar = capturedPending.cloneSync();
      assert.equal((await retry.postInstance(exchangeBody(pending))).status, 503);
    }
    assert.equal(deployment.ce.instanceCalls(), before);

    // Flows started now complete, through either process, each once.
    const results = [];
    for (let i = 0; i < 2; i += 1) {
      const bob = browserFor(deployment);
      const fresh = await authorize(bob);
      const jar = bob.jar.cloneSync();
      results.push(await bob.postInstance(exchangeBody(fresh)));
      const again = browserFor(deployment);
      again.jar = jar;
      assert.equal((await again.postInstance(exchangeBody(fresh))).status, 409);
    }
    assert.deepEqual(
      results.map((r) => r.status),
      [201, 201],
    );
    assert.deepEqual(new Set(results.map((r) => r.headers.get('x-served-by'))), new Set(['p0', 'p1']));
    assert.equal(deployment.ce.instanceCalls(), before + 2);
  });
});

describe('the same deployment with in-memory stores (the default): why Redis is needed', () => {
  let deployment;
  before(async () => {
    deployment = await startDeployment({ count: 2, store: 'memory' });
  });
  after(async () => {
    await deployment?.close();
  });

  test('a callback replayed to the sibling passes its state check and reaches Cloud Elements (the test above can fail)', async () => {
    const browser = browserFor(deployment);
    const flow = await authorize(browser);
    const captured = browser.jar.cloneSync();
    const before = deployment.ce.instanceCalls();
    const first = await browser.fetch(flow.location.href);
    assert.equal(first.status, 200);
    const replayer = browserFor(deployment);
    replayer.jar = captured;
    const replay = await replayer.fetch(flow.location.href);
    assert.notEqual(replay.headers.get('x-served-by'), first.headers.get('x-served-by'));
    // Only Cloud Elements' single-use code stops it here: the sibling's memory never saw the state.
    assert.equal(replay.status, 200);
    assert.equal(pageResult(replay.body).error, 'exchange_failed');
    assert.equal(deployment.ce.instanceCalls() - before, 2);
  });
});
