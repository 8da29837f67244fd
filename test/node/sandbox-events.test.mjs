// Events of the sandbox (contract §15, "Sandbox"): an instance created with Cloud Elements' event configuration
// gets signed webhooks — emitEvent() and POST /_sandbox/instances/{id}/events — retried with back-off on a failure
// and listed by deliveries(). Over real HTTP on loopback; the retry delays are tiny (the retryDelaysMs option).
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { afterEach, test } from 'node:test';
import { createSandbox, SANDBOX_PASSWORD, SANDBOX_USERNAME } from '../../lib/sandbox/index.js';

const AUTH = 'User sandbox-user-secret, Organization sandbox-organization-secret';
const KEY = 'a-signing-key-of-at-least-32-characters!';
const CHANGE = { objectType: 'Contact', eventType: 'UPDATED', objectId: '003A000001' };

const open = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((close) => close()));
});

/** A webhook receiver answering the statuses given in turn (then 200); resolves `received` entries as they come. */
async function receiver(statuses = []) {
  const received = [];
  const waiters = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, raw: Buffer.concat(chunks).toString('utf8'), method: req.method });
      res.writeHead(statuses.shift() ?? 200).end();
      for (const waiter of waiters.splice(0)) waiter();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  open.push(() => new Promise((resolve) => server.close(resolve)));
  return {
    url: `http://127.0.0.1:${server.address().port}/hooks/ce?x=1`,
    received,
    /** Resolves once `count` deliveries have arrived. */
    async until(count) {
      while (received.length < count) await new Promise((resolve) => waiters.push(resolve));
    },
  };
}

async function sandboxWith(options = {}) {
  const sandbox = createSandbox(options);
  const server = await sandbox.listen();
  open.push(() => server.close());
  return { sandbox, server };
}

async function api(server, path, { method = 'GET', body, auth = AUTH } = {}) {
  const response = await fetch(`${server.baseUrl.replace('/elements/api-v2', '')}${path}`, {
    method,
    headers: { ...(auth && { Authorization: auth }), ...(body && { 'Content-Type': 'application/json' }) },
    body: body && JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** Creates a (credentials) instance with the event configuration given. */
async function instanceWith(server, events) {
  const configuration = {
    'crm.zohocrm.username': SANDBOX_USERNAME,
    'crm.zohocrm.password': SANDBOX_PASSWORD,
    ...events,
  };
  return api(server, '/elements/api-v2/instances', {
    method: 'POST',
    body: { element: { key: 'zohocrm' }, name: 'With events', configuration },
  });
}

function eventConfig(url, extra = {}) {
  return {
    'event.notification.enabled': true,
    'event.vendor.type': 'webhook',
    'event.notification.callback.url': url,
    'event.notification.signature.key': KEY,
    ...extra,
  };
}

test("a delivery: POST, Cloud Elements' payload, Elements-Webhook-Id, and the sha256 signature of the raw body", async () => {
  const hook = await receiver();
  const { sandbox, server } = await sandboxWith();
  const created = await instanceWith(server, eventConfig(hook.url));
  assert.equal(created.status, 200, JSON.stringify(created.body));
  assert.equal(created.body.eventsEnabled, true);
  assert.equal(
    created.body.configuration['event.notification.signature.key'],
    '********',
    'the key is masked like a secret',
  );
  const result = await sandbox.emitEvent(created.body.id, CHANGE);
  assert.deepEqual({ delivered: result.delivered, attempts: result.attempts }, { delivered: true, attempts: 1 });
  const [delivery] = hook.received;
  assert.equal(delivery.method, 'POST');
  assert.equal(delivery.headers['content-type'], 'application/json');
  assert.equal(delivery.headers['elements-webhook-id'], result.deliveryId);
  const expected = `sha256=${createHmac('sha256', KEY).update(delivery.raw).digest('base64')}`;
  assert.equal(delivery.headers['elements-webhook-signature'], expected);
  const { message } = JSON.parse(delivery.raw);
  assert.equal(message.eventId, result.eventId);
  assert.equal(message.instanceId, created.body.id);
  assert.deepEqual(message.events, [{ ...CHANGE, elementKey: 'zohocrm' }]);
  assert.equal(typeof message.raw, 'object');
  assert.deepEqual(
    sandbox
      .deliveries()
      .map(({ deliveryId, instanceId, attempt, status }) => ({ deliveryId, instanceId, attempt, status })),
    [{ deliveryId: result.deliveryId, instanceId: created.body.id, attempt: 1, status: 200 }],
  );
  assert.match(sandbox.deliveries()[0].at, /^\d{4}-\d\d-\d\dT/);
});

test('without a signature key: no signature header; "webhooks" and "polling" are accepted as vendor types', async () => {
  const hook = await receiver();
  const { sandbox, server } = await sandboxWith();
  const config = eventConfig(hook.url, { 'event.vendor.type': 'webhooks' });
  delete config['event.notification.signature.key'];
  const created = await instanceWith(server, config);
  await sandbox.emitEvent(created.body.id, CHANGE);
  assert.equal(hook.received[0].headers['elements-webhook-signature'], undefined);
  assert.ok(hook.received[0].headers['elements-webhook-id']);
  const polling = await instanceWith(
    server,
    eventConfig(hook.url, { 'event.vendor.type': 'polling', 'event.poller.refresh_interval': 15 }),
  );
  assert.equal(polling.status, 200);
  assert.equal((await sandbox.emitEvent(polling.body.id, CHANGE)).delivered, true);
});

test('a failed delivery is retried after each retryDelaysMs with the same id and body, until a 2xx', async () => {
  const hook = await receiver([500, 503]);
  const { sandbox, server } = await sandboxWith({ retryDelaysMs: [5, 5, 5] });
  const created = await instanceWith(server, eventConfig(hook.url));
  const result = await sandbox.emitEvent(created.body.id, CHANGE);
  assert.deepEqual({ delivered: result.delivered, attempts: result.attempts }, { delivered: true, attempts: 3 });
  assert.deepEqual(
    sandbox.deliveries().map((d) => [d.attempt, d.status, d.deliveryId]),
    [
      [1, 500, result.deliveryId],
      [2, 503, result.deliveryId],
      [3, 200, result.deliveryId],
    ],
  );
  assert.equal(new Set(hook.received.map((r) => r.raw)).size, 1, 'the same body each time');
  assert.equal(new Set(hook.received.map((r) => r.headers['elements-webhook-id'])).size, 1);
});

test('it stops after the last retry; a refused connection counts as a failed attempt', async () => {
  const hook = await receiver([500, 500, 500, 500]);
  const { sandbox, server } = await sandboxWith({ retryDelaysMs: [1, 1] });
  const created = await instanceWith(server, eventConfig(hook.url));
  const result = await sandbox.emitEvent(created.body.id, CHANGE);
  assert.deepEqual({ delivered: result.delivered, attempts: result.attempts }, { delivered: false, attempts: 3 });
  assert.equal(hook.received.length, 3);

  const gone = await receiver();
  const url = gone.url;
  await open.pop()(); // nothing listens there any more
  const unreachable = await instanceWith(server, eventConfig(url));
  const failed = await sandbox.emitEvent(unreachable.body.id, CHANGE);
  assert.equal(failed.delivered, false);
  assert.deepEqual(
    sandbox
      .deliveries()
      .filter((d) => d.instanceId === unreachable.body.id)
      .map((d) => d.status),
    ['network-error', 'network-error', 'network-error'],
  );
});

test('reset() cancels a waiting retry: its emitEvent resolves as not delivered', async () => {
  const hook = await receiver([500]);
  const { sandbox, server } = await sandboxWith({ retryDelaysMs: [60_000] });
  const created = await instanceWith(server, eventConfig(hook.url));
  const pending = sandbox.emitEvent(created.body.id, CHANGE);
  await hook.until(1);
  while (sandbox.deliveries().length === 0) await new Promise((resolve) => setImmediate(resolve));
  sandbox.reset();
  assert.deepEqual(await pending, { ...(await pending), delivered: false, attempts: 1 });
  assert.deepEqual(sandbox.deliveries(), []);
});

test('POST /_sandbox/instances/{id}/events makes a change happen (202 at once); GET /_sandbox/deliveries lists it', async () => {
  const hook = await receiver();
  const { server } = await sandboxWith();
  const created = await instanceWith(server, eventConfig(hook.url));
  const path = `/_sandbox/instances/${created.body.id}/events`;
  assert.equal((await api(server, path, { method: 'POST', body: CHANGE, auth: null })).status, 401);
  const accepted = await api(server, path, { method: 'POST', body: CHANGE });
  assert.equal(accepted.status, 202);
  await hook.until(1);
  assert.equal(hook.received[0].headers['elements-webhook-id'], accepted.body.deliveryId);
  assert.equal(JSON.parse(hook.received[0].raw).message.eventId, accepted.body.eventId);
  let deliveries;
  do deliveries = (await api(server, '/_sandbox/deliveries')).body;
  while (deliveries.length === 0);
  assert.equal(deliveries[0].deliveryId, accepted.body.deliveryId);
  const bad = await api(server, path, { method: 'POST', body: { ...CHANGE, eventType: 'CHANGED' } });
  assert.equal(bad.status, 400);
  assert.match(bad.body.message, /eventType: CREATED\|UPDATED\|DELETED\|UNKNOWN/);
  assert.equal((await api(server, '/_sandbox/instances/99999/events', { method: 'POST', body: CHANGE })).status, 400);
});

test('emitEvent refuses a bad change, an unknown instance and one without events; bad event configuration → 400', async () => {
  const hook = await receiver();
  const { sandbox, server } = await sandboxWith();
  const plain = await instanceWith(server, {});
  assert.equal(plain.body.eventsEnabled, false);
  await assert.rejects(sandbox.emitEvent(plain.body.id, CHANGE), /has no events enabled/);
  await assert.rejects(sandbox.emitEvent(424242, CHANGE), TypeError);
  const withEvents = await instanceWith(server, eventConfig(hook.url));
  await assert.rejects(sandbox.emitEvent(withEvents.body.id, { objectType: 'Contact' }), TypeError);
  const noUrl = await instanceWith(server, { 'event.notification.enabled': 'true' });
  assert.equal(noUrl.status, 400);
  assert.match(noUrl.body.message, /^event\.notification\.callback\.url must be an absolute http\(s\) URL/);
  const badType = await instanceWith(server, eventConfig(hook.url, { 'event.vendor.type': 'push' }));
  assert.equal(badType.body.message, 'event.vendor.type must be webhook or polling');
  assert.equal(hook.received.length, 0);
});
