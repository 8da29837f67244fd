// ce-connect/server, events after `connected` (docs/events.md): the event configuration of instances, the sealed
// owner tag, and POST {basePath}/events — signatures, replays, onEvent failures, the body bound, the owner look-up
// and the log — over real HTTP against the sandbox, and end to end from the sandbox's emitEvent.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { afterEach, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createConnectHandler, verifyEventSignature } from '../../lib/server/index.js';
import { consent, forbiddenValues, manualClock, pageResult, SECRETS, startHarness } from './support/harness.mjs';

const KEYS = ['events-signing-key-one-0123456789abcdef', 'events-signing-key-two-0123456789abcdef'];
const CHANGE = { objectType: 'Contact', eventType: 'UPDATED', objectId: '003A000001' };

let harness;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const sign = (body, key = KEYS[0]) => `sha256=${createHmac('sha256', key).update(body).digest('base64')}`;

/** A handler with events on sfdc; `received` holds every onEvent call; `onEvent` may replace the hook's behaviour. */
async function eventsHarness({ onEvent, events = {}, server = {}, sandbox = {}, element = {} } = {}) {
  const received = [];
  const h = await startHarness({
    sessions: true,
    sandbox,
    elements: { sfdc: { apiKey: 'sfdc-key', apiSecret: SECRETS.sfdcApiSecret, events: {}, ...element } },
    server: {
      events: {
        signingKeys: [KEYS[0], KEYS[1]],
        onEvent: async (event) => {
          await onEvent?.(event, received.length);
          received.push(event);
        },
        ...events,
      },
      ...server,
    },
  });
  h.received = received;
  return h;
}

/** Cloud Elements' payload for one change at `instanceId`. */
function payload({ instanceId = 1, eventId = 'evt-1', change = CHANGE } = {}) {
  return JSON.stringify({
    message: { eventId, instanceId, events: [{ ...change, elementKey: 'sfdc' }], raw: { source: 'test' } },
  });
}

/** POSTs a delivery to the events route; `signature: null` sends none. */
async function deliver(body, { signature = sign(body), id = 'delivery-1', headers = {} } = {}) {
  const response = await fetch(`${harness.appUrl}/api/ce/events`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      ...(signature !== null && { 'Elements-Webhook-Signature': signature }),
      ...(id !== null && { 'Elements-Webhook-Id': id }),
      ...headers,
    },
    body,
  });
  return { status: response.status, body: await response.text() };
}

/** Signs `user` in and connects sfdc through flow 4a (`query`: e.g. `?instance=ID` to reconnect); the instance id. */
async function connect(user, query = '', browser = harness.browser()) {
  browser.signIn(user);
  const started = await browser.startFlow('sfdc', query);
  assert.equal(started.status, 200, started.body);
  const { location } = await consent(started.json.oauthUrl);
  const page = await browser.fetch(location);
  const result = pageResult(page.body);
  assert.ok(result?.instanceId, page.body);
  return { id: result.instanceId, browser };
}

const instanceBodies = (method) =>
  harness.ceCalls
    .filter((call) => call.method === method && /\/instances(\/\d+)?$/.test(new URL(call.url).pathname))
    .map((c) => JSON.parse(c.body));

describe('options', () => {
  const base = () => ({
    cloudElements: { userSecret: 'u', organizationSecret: 'o' },
    elements: {
      sfdc: { apiKey: 'k', apiSecret: 's', callbackUrl: 'https://app.example/api/ce/sfdc/oauth/callback', events: {} },
    },
    cookieSecret: SECRETS.cookieSecret,
    onInstanceCreated: () => {},
    events: { signingKeys: [KEYS[0]], onEvent: () => {} },
  });
  const refused = (change, pattern) => {
    const options = base();
    change(options);
    assert.throws(
      () => createConnectHandler(options),
      (error) => error instanceof TypeError && pattern.test(error.message),
    );
  };

  test('valid settings are accepted; every bad one is a TypeError naming it', () => {
    assert.equal(typeof createConnectHandler(base()), 'function');
    refused((o) => delete o.events, /elements\.sfdc\.events needs the handler option events/);
    refused((o) => (o.events.signingKeys = ['short']), /signingKeys/);
    refused((o) => (o.events.signingKeys = []), /signingKeys/);
    refused((o) => (o.events.onEvent = 'no'), /events\.onEvent must be a function/);
    refused((o) => (o.events.ownerOf = 1), /events\.ownerOf must be a function/);
    refused((o) => (o.events.callbackUrl = 'http://app.example/events'), /events\.callbackUrl/);
    refused((o) => (o.elements.sfdc.events = { vendorType: 'push' }), /vendorType/);
    refused((o) => (o.elements.sfdc.events = { pollMinutes: 5 }), /polling only/);
    refused((o) => (o.elements.sfdc.events = { vendorType: 'polling', objects: ['a/b'] }), /objects/);
    refused(
      (o) => (o.elements.sfdc.configuration = { 'event.notification.enabled': false }),
      /must not set "event\.notification\.enabled"/,
    );
    refused((o) => (o.elements.sfdc.tags = ['ce-connect-owner-sealed:x']), /tags must not start/);
    refused((o) => (o.stateStore = { consumeOnce: async () => true }), /release/);
  });
});

describe('instances carry the event configuration and the sealed owner tag', () => {
  test('webhook: created and reconnected with events on, the callback route, the first signing key', async () => {
    harness = await eventsHarness();
    const { id, browser } = await connect('alice');
    await connect('alice', `?instance=${id}`, browser);
    const [created] = instanceBodies('POST');
    const [updated] = instanceBodies('PUT');
    for (const body of [created, updated]) {
      assert.equal(body.configuration['event.notification.enabled'], true);
      assert.equal(body.configuration['event.vendor.type'], 'webhook');
      assert.equal(body.configuration['event.notification.callback.url'], `${harness.appUrl}/api/ce/events`);
      assert.equal(body.configuration['event.notification.signature.key'], KEYS[0]);
      const sealed = body.tags.filter((tag) => tag.startsWith('ce-connect-owner-sealed:'));
      assert.equal(sealed.length, 1);
      assert.equal(sealed[0].includes('alice'), false, 'the owner id is not readable in the tag');
      assert.ok(
        body.tags.some((tag) => tag.startsWith('ce-connect-owner:')),
        'the owner tag stays',
      );
    }
  });

  test('polling: the vendor type, the refresh interval and the objects', async () => {
    harness = await eventsHarness({
      element: { events: { vendorType: 'polling', pollMinutes: 5, objects: ['contacts', 'accounts'] } },
    });
    await connect('alice');
    const [created] = instanceBodies('POST');
    assert.equal(created.configuration['event.vendor.type'], 'polling');
    assert.equal(created.configuration['event.poller.refresh_interval'], 5);
    assert.deepEqual(Object.keys(JSON.parse(created.configuration['event.poller.configuration'])), [
      'contacts',
      'accounts',
    ]);
  });
});

describe('POST {basePath}/events: signatures', () => {
  test('valid, and rotated (the second key), are delivered; server to server: no X-CE-Connect, no Origin', async () => {
    harness = await eventsHarness();
    const body = payload({ instanceId: 424242 });
    assert.equal((await deliver(body)).status, 200);
    assert.equal((await deliver(body, { signature: sign(body, KEYS[1]), id: 'delivery-2' })).status, 200);
    assert.equal(harness.received.length, 2);
    assert.deepEqual(harness.received[0].events, [CHANGE]);
    assert.equal(harness.received[0].instanceId, '424242');
    assert.equal(harness.received[0].element, 'sfdc');
    assert.equal(harness.received[0].deliveryId, 'delivery-1');
    assert.deepEqual(harness.received[0].raw, JSON.parse(body));
  });

  test('wrong key, missing, sha1=, malformed and body-tampered: 401 and nothing delivered', async () => {
    harness = await eventsHarness();
    const body = payload();
    const sha1 = `sha1=${createHmac('sha1', KEYS[0]).update(body).digest('base64')}`;
    const cases = {
      wrong: { signature: sign(body, 'another-key-of-at-least-32-characters-x') },
      missing: { signature: null },
      sha1: { signature: sha1 },
      malformed: { signature: 'sha256=not base64!' },
      hex: { signature: `sha256=${createHmac('sha256', KEYS[0]).update(body).digest('hex')}` },
      empty: { signature: '' },
    };
    for (const [name, options] of Object.entries(cases)) {
      assert.equal((await deliver(body, { ...options, id: name })).status, 401, name);
    }
    const tampered = body.replace('UPDATED', 'DELETED');
    assert.equal((await deliver(tampered, { signature: sign(body), id: 'tampered' })).status, 401, 'tampered');
    assert.equal(harness.received.length, 0);
    // A refused delivery is not remembered: the same id, properly signed, still gets through.
    assert.equal((await deliver(body, { id: 'wrong' })).status, 200);
    assert.equal(harness.received.length, 1);
  });

  test('verifyEventSignature: strings and bytes, every key, constant-time shape checks', () => {
    const body = payload();
    assert.equal(verifyEventSignature(body, sign(body), KEYS), true);
    assert.equal(verifyEventSignature(new TextEncoder().encode(body), sign(body, KEYS[1]), KEYS), true);
    assert.equal(verifyEventSignature(body, sign(body, KEYS[1]), [KEYS[0]]), false);
    assert.equal(verifyEventSignature(body, null, KEYS), false);
    assert.equal(verifyEventSignature(`${body} `, sign(body), KEYS), false);
    assert.equal(verifyEventSignature(body, sign(body).replace('sha256=', 'sha1='), KEYS), false);
    assert.throws(() => verifyEventSignature(body, sign(body), []), TypeError);
    assert.throws(() => verifyEventSignature(body, sign(body), 'key'), TypeError);
  });
});

describe('POST {basePath}/events: replays and failures', () => {
  test('a delivery id seen in the last 80 hours is answered 200 and not delivered again; eventId without the header', async () => {
    const clock = manualClock();
    harness = await eventsHarness({ server: { now: clock.now } });
    const body = payload({ instanceId: 424242, eventId: 'evt-7' });
    assert.equal((await deliver(body)).status, 200);
    const again = await deliver(body);
    assert.equal(again.status, 200);
    assert.deepEqual(JSON.parse(again.body), { received: true, duplicate: true });
    assert.equal((await deliver(body, { id: null })).status, 200, 'the eventId is the delivery id');
    assert.equal((await deliver(body, { id: null })).status, 200);
    assert.equal(harness.received.length, 2);
    assert.equal(harness.received[1].deliveryId, 'evt-7');
    clock.advance(80 * 60 * 60 * 1000 - 1);
    await deliver(body);
    assert.equal(harness.received.length, 2, 'still remembered just before 80 hours');
    clock.advance(2);
    await deliver(body);
    assert.equal(harness.received.length, 3, 'forgotten after 80 hours');
  });

  test('onEvent throwing: 500 and not remembered, so the retry is delivered once', async () => {
    let calls = 0;
    harness = await eventsHarness({
      onEvent: () => {
        calls += 1;
        if (calls === 1) throw new Error(`host failure mentioning ${KEYS[0]}`);
      },
    });
    const body = payload({ instanceId: 424242 });
    const failed = await deliver(body);
    assert.equal(failed.status, 500);
    assert.equal(failed.body.includes(KEYS[0]), false);
    assert.equal((await deliver(body)).status, 200);
    assert.equal((await deliver(body)).status, 200);
    assert.equal(calls, 2);
    assert.equal(harness.received.length, 1, 'delivered once');
  });

  test('onEvent past hookTimeoutMs: 500, and the retry is delivered', async () => {
    let calls = 0;
    harness = await eventsHarness({
      server: { hookTimeoutMs: 50 },
      onEvent: () => (++calls === 1 ? new Promise(() => {}) : undefined),
    });
    const body = payload({ instanceId: 424242 });
    assert.equal((await deliver(body)).status, 500);
    assert.equal((await deliver(body)).status, 200);
    assert.equal(harness.received.length, 1);
  });

  test('a body over 1 MB: 413 on its Content-Length, before the body is sent; and when streamed without one', async () => {
    harness = await eventsHarness();
    const url = new URL(`${harness.appUrl}/api/ce/events`);
    // Only the headers and a few bytes go out: the answer comes without the rest of the declared body.
    const status = await new Promise((resolve, reject) => {
      const request = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { 'Content-Length': 2 * 1024 * 1024 },
        },
        (response) => {
          response.resume();
          resolve(response.statusCode);
          request.destroy();
        },
      );
      request.on('error', reject);
      request.write('{"message":');
    });
    assert.equal(status, 413);
    const big = JSON.stringify({ message: { eventId: 'big', events: [], raw: 'x'.repeat(1024 * 1024) } });
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const streamed = await fetch(url, {
      method: 'POST',
      body: stream,
      duplex: 'half',
      headers: { 'Elements-Webhook-Signature': sign(big) },
    });
    assert.equal(streamed.status, 413);
    assert.equal(harness.received.length, 0);
  });

  test('a signed body that is not an event message: 400, nothing delivered', async () => {
    harness = await eventsHarness();
    for (const body of [
      'not json',
      '{}',
      '{"message":{"events":[{"objectType":"Contact"}]}}',
      '{"message":{"events":[]}}',
    ]) {
      assert.equal((await deliver(body, { id: body.includes('events') ? null : 'x' })).status, 400, body);
    }
    assert.equal(harness.received.length, 0);
  });

  test('without the events option the route does not exist; GET is 405', async () => {
    harness = await startHarness();
    assert.equal((await deliver(payload())).status, 404);
    harness.close();
    harness = await eventsHarness();
    assert.equal((await fetch(`${harness.appUrl}/api/ce/events`)).status, 405);
  });
});

describe('owners', () => {
  test('end to end: the sandbox emitEvent reaches onEvent with the owner, looked up once per instance', async () => {
    harness = await eventsHarness();
    const { id } = await connect('alice@example.com');
    const lookups = () =>
      harness.ceCalls.filter(
        (call) => call.method === 'GET' && new URL(call.url).pathname.endsWith(`/instances/${id}`),
      );
    const first = await harness.sandbox.emitEvent(id, CHANGE);
    assert.equal(first.delivered, true);
    await harness.sandbox.emitEvent(id, { ...CHANGE, eventType: 'CREATED' });
    assert.equal(harness.received.length, 2);
    for (const event of harness.received) {
      assert.equal(event.owner, 'alice@example.com');
      assert.equal(event.instanceId, id);
      assert.equal(event.element, 'sfdc');
    }
    assert.deepEqual(harness.received[1].events, [{ ...CHANGE, eventType: 'CREATED' }]);
    assert.equal(lookups().length, 1, 'one Cloud Elements call per instance');
  });

  test('end to end: onEvent failing once — the sandbox retries and it is delivered once', async () => {
    harness = await eventsHarness({
      sandbox: { retryDelaysMs: [10, 10] },
      onEvent: (_event, delivered) => {
        if (delivered === 0 && !harness.failedOnce) {
          harness.failedOnce = true;
          throw new Error('host down');
        }
      },
    });
    const { id } = await connect('bob');
    const result = await harness.sandbox.emitEvent(id, CHANGE);
    assert.equal(result.delivered, true);
    assert.equal(result.attempts, 2);
    assert.deepEqual(
      harness.sandbox.deliveries().map((d) => d.status),
      [500, 200],
    );
    assert.equal(harness.received.length, 1);
    assert.equal(harness.received[0].owner, 'bob');
  });

  test('an unknown instance: owner null; ownerOf answers for instances without the sealed tag', async () => {
    harness = await eventsHarness();
    await deliver(payload({ instanceId: 999999 }));
    assert.equal(harness.received[0].owner, null);
    harness.close();
    const asked = [];
    harness = await eventsHarness({
      events: {
        ownerOf: (instanceId) => {
          asked.push(instanceId);
          return 'legacy-owner';
        },
      },
    });
    await deliver(payload({ instanceId: 999999 }));
    await deliver(payload({ instanceId: 999999 }), { id: 'delivery-2' });
    assert.equal(harness.received[0].owner, 'legacy-owner');
    assert.equal(harness.received[1].owner, 'legacy-owner');
    assert.deepEqual(asked, ['999999'], 'asked once, then cached');
  });

  test('a sealed owner tag copied onto another owner’s instance does not count', async () => {
    let rewrite;
    harness = await startHarness({
      sessions: true,
      // Cloud Elements answers Bob's instance with Alice's sealed tag instead of his own (an account holder did it).
      ceFetch: async (input, init) => {
        const answer = await fetch(input, init);
        return rewrite && init.method === 'GET' ? rewrite(new URL(input).pathname, answer) : answer;
      },
      elements: { sfdc: { apiKey: 'sfdc-key', apiSecret: SECRETS.sfdcApiSecret, events: {} } },
      server: { events: { signingKeys: KEYS, onEvent: (event) => received.push(event) } },
    });
    const received = [];
    const { id: aliceId } = await connect('alice');
    const { id: bobId } = await connect('bob');
    const sealedOf = (id) =>
      harness.sandbox
        .instances()
        .find((i) => String(i.id) === id)
        .tags.find((t) => t.startsWith('ce-connect-owner-sealed:'));
    const aliceSealed = sealedOf(aliceId);
    rewrite = async (path, answer) => {
      if (!path.endsWith(`/instances/${bobId}`)) return answer;
      const instance = await answer.json();
      instance.tags = instance.tags.filter((tag) => !tag.startsWith('ce-connect-owner-sealed:')).concat(aliceSealed);
      return Response.json(instance);
    };
    await deliver(payload({ instanceId: Number(bobId) }));
    assert.equal(received[0].owner, null);
  });

  test('Cloud Elements failing the look-up: 503 and not remembered; the retry is delivered', async () => {
    let failing = true;
    harness = await startHarness({
      sessions: true,
      ceFetch: (input, init) =>
        failing && /\/instances\/\d+$/.test(new URL(input).pathname)
          ? Promise.reject(new Error('down'))
          : fetch(input, init),
      elements: { sfdc: { apiKey: 'sfdc-key', apiSecret: SECRETS.sfdcApiSecret, events: {} } },
      server: { events: { signingKeys: KEYS, onEvent: (event) => received.push(event) } },
    });
    const received = [];
    const body = payload({ instanceId: 5 });
    assert.equal((await deliver(body)).status, 503);
    failing = false;
    assert.equal((await deliver(body)).status, 200);
    assert.equal(received.length, 1);
  });
});

test('nothing secret in a log line: no signing key, signature, owner id or Element Token', async () => {
  harness = await eventsHarness({
    onEvent: (_e, n) =>
      n === 0 && !harness.threw ? ((harness.threw = true), Promise.reject(new Error(KEYS[1]))) : undefined,
  });
  const { id } = await connect('carol-private-owner-id');
  const body = payload({ instanceId: Number(id) });
  await deliver(body, { signature: sign(body, 'wrong-key-of-at-least-32-characters-xx') });
  await deliver(body);
  await deliver(body);
  await deliver(body);
  await deliver('x'.repeat(100), { signature: sign('x'.repeat(100)) });
  assert.equal(harness.received.length, 1);
  const forbidden = [...forbiddenValues(harness), ...KEYS, sign(body), 'carol-private-owner-id'];
  assert.ok(harness.logs.some((line) => line.includes('event.delivered')));
  assert.ok(harness.logs.some((line) => line.includes('event.refused')));
  assert.ok(harness.logs.some((line) => line.includes('event.failed')));
  for (const line of harness.logs)
    for (const value of forbidden) assert.equal(line.includes(value), false, `${line} leaks`);
});

test('docs/events.md: the Express recipe verifies the raw body as written', () => {
  const docs = readFileSync(new URL('../../docs/events.md', import.meta.url), 'utf8');
  const recipe = /```js\n(import express[\s\S]*?)\n```/.exec(docs)?.[1];
  assert.ok(recipe, 'docs/events.md has the Express recipe');
  const body = payload();
  const check = `
const server = app.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const url = 'http://127.0.0.1:' + server.address().port + '/hooks/cloud-elements';
const post = (signature) => fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...(signature && { 'Elements-Webhook-Signature': signature }) }, body: ${JSON.stringify(body)} });
console.log([(await post(${JSON.stringify(sign(body))})).status, (await post(${JSON.stringify(sign(body, KEYS[1]))})).status, (await post(null)).status].join(','));
server.close();`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', `${recipe}\n${check}`], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    encoding: 'utf8',
    env: { ...process.env, CE_EVENTS_KEY: KEYS[0] },
    timeout: 60_000,
  });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout.trim(), '200,401,401');
});
