// Events after `connected` on several processes (docs/events.md): two ce-connect/server processes on one
// redis-server remember delivery ids between them — a delivery is handed to onEvent once whichever process gets
// each retry, and one whose onEvent failed on one process is delivered by the other.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startCloudElements, startHandlerProcess } from '../../tools/multi-process.mjs';
import { redisMissing, startRedis } from '../../tools/redis-server.mjs';

const skip = redisMissing();
const KEY = 'events-redis-signing-key-0123456789abcdef';

function body(eventId) {
  return JSON.stringify({
    message: { eventId, instanceId: 77, events: [{ objectType: 'Contact', eventType: 'UPDATED', objectId: 'c1' }] },
  });
}

async function deliver(process, text, id) {
  const response = await fetch(`${process.url}/api/ce/events`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'Elements-Webhook-Id': id,
      'Elements-Webhook-Signature': `sha256=${createHmac('sha256', KEY).update(text).digest('base64')}`,
    },
    body: text,
  });
  return { status: response.status, json: await response.json() };
}

/** Waits until every line each process wrote so far has arrived (stdout is in order: a marker delivery's line is last). */
let markers = 0;
async function flush(processes) {
  await Promise.all(
    processes.map(async (process) => {
      const id = `marker-${(markers += 1)}`;
      assert.equal((await deliver(process, body(id), id)).status, 200);
      await process.waitFor((event) => event.event === 'delivered' && event.deliveryId === id);
    }),
  );
}

const delivered = (process, id) =>
  process.events.filter((event) => event.event === 'delivered' && event.deliveryId === id).length;

describe('delivery ids on Redis, two server processes', { skip }, () => {
  let redis;
  let ce;
  let processes = [];
  before(async () => {
    redis = await startRedis();
    ce = await startCloudElements();
    const config = (id) => ({
      id,
      appUrl: 'http://127.0.0.1:9',
      ceBaseUrl: ce.baseUrl,
      store: 'redis',
      redisUrl: redis.url,
      redisTimeoutMs: 10_000,
      events: { signingKeys: [KEY], failFirst: ['fails-once'] },
    });
    processes = await Promise.all([startHandlerProcess(config('p0')), startHandlerProcess(config('p1'))]);
  });
  after(async () => {
    await Promise.allSettled(processes.map((process) => process.stop()));
    await ce?.close();
    await redis?.stop();
  });

  test('a replay to the sibling process is answered 200 and not delivered again', async () => {
    const [p0, p1] = processes;
    const first = await deliver(p0, body('e1'), 'twice');
    assert.equal(first.status, 200);
    assert.deepEqual(first.json, { received: true });
    const replay = await deliver(p1, body('e1'), 'twice');
    assert.equal(replay.status, 200);
    assert.deepEqual(replay.json, { received: true, duplicate: true });
    await flush(processes);
    assert.equal(delivered(p0, 'twice') + delivered(p1, 'twice'), 1);
  });

  test('onEvent failing on one process: 500, released on Redis, and the retry on the other is delivered once', async () => {
    const [p0, p1] = processes;
    // Each process fails its own first try of this id: p0 fails, p1 delivers, p0 then sees a duplicate.
    assert.equal((await deliver(p0, body('e2'), 'fails-once')).status, 500);
    assert.equal((await deliver(p1, body('e2'), 'fails-once')).status, 500, 'p1 fails its own first try too');
    assert.equal((await deliver(p1, body('e2'), 'fails-once')).status, 200);
    assert.equal((await deliver(p0, body('e2'), 'fails-once')).json.duplicate, true);
    await flush(processes);
    assert.equal(delivered(p0, 'fails-once') + delivered(p1, 'fails-once'), 1);
  });
});
