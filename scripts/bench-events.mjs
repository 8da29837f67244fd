// Throughput of ce-connect/server's events route: verified webhook deliveries per second on one process — the
// handler in this process (no HTTP), each delivery a fresh id with a signed body of realistic size (20 changes
// plus the provider's raw records, about 6 KB), checked against two signing keys (the rotation case: the second
// one matches), its id remembered in the default memory store, the owner from the per-instance cache (50
// instances, looked up once each against a stub Cloud Elements), and an `onEvent` that only counts.
// `npm run bench -- events` (needs `npm run build`). DELIVERIES per round (default 5000), CONCURRENCY in flight
// (default 16), ROUNDS (default 5); prints the median rate, and deliveries per CPU second of this process (which
// the machine's other load does not move).
import { createHmac, randomUUID } from 'node:crypto';
import { createConnectHandler } from '../lib/server/index.js';

const DELIVERIES = Number(process.env.DELIVERIES ?? 5000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const INSTANCES = 50;
const KEYS = ['bench-old-signing-key-0123456789abcdef', 'bench-new-signing-key-0123456789abcdef'];

let delivered = 0;
const handler = createConnectHandler({
  cloudElements: {
    baseUrl: 'http://127.0.0.1:9/elements/api-v2',
    userSecret: 'bench-user',
    organizationSecret: 'bench-org',
  },
  elements: {
    sfdc: { apiKey: 'k', apiSecret: 's', callbackUrl: 'http://127.0.0.1:9/api/ce/sfdc/oauth/callback', events: {} },
  },
  cookieSecret: 'bench-cookie-secret-0123456789abcdef0123',
  onInstanceCreated: () => {},
  events: { signingKeys: KEYS, onEvent: () => void (delivered += 1) },
  // A stub Cloud Elements: every instance exists, without a sealed owner tag (owner null), answered at once.
  fetch: async (input) =>
    Response.json({ id: Number(new URL(input).pathname.split('/').pop()), element: { key: 'sfdc' }, tags: [] }),
});

/** One delivery as Cloud Elements sends it: 20 changes and their raw records. */
function delivery(n) {
  const records = Array.from({ length: 20 }, (_, i) => ({
    Id: `003A0000${String(n * 20 + i).padStart(8, '0')}`,
    FirstName: 'Ada',
    LastName: 'Lovelace',
    Email: 'ada@example.com',
    Phone: '+44 20 7946 0000',
    LastModifiedDate: '2026-12-07T20:00:00.000Z',
    Description: 'x'.repeat(120),
  }));
  const events = records.map((record) => ({
    objectType: 'Contact',
    eventType: 'UPDATED',
    objectId: record.Id,
    elementKey: 'sfdc',
  }));
  const body = JSON.stringify({
    message: { eventId: randomUUID(), instanceId: (n % INSTANCES) + 1, events, raw: { records } },
  });
  const signature = `sha256=${createHmac('sha256', KEYS[1]).update(body).digest('base64')}`;
  return new Request('http://127.0.0.1:9/api/ce/events', {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'Elements-Webhook-Id': randomUUID(),
      'Elements-Webhook-Signature': signature,
    },
    body,
  });
}

async function round(count) {
  // Bodies are built (and signed) before the clock starts: only the handler's work is measured.
  const requests = Array.from({ length: count }, (_, n) => delivery(n));
  const before = delivered;
  let next = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < requests.length) {
        const response = await handler(requests[next++]);
        if (response?.status !== 200) throw new Error(`the events route answered ${response?.status}`);
      }
    }),
  );
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  if (delivered - before !== count) throw new Error('not every delivery reached onEvent');
  return { rate: (count / ms) * 1000, perCpuSecond: count / ((used.user + used.system) / 1e6) };
}

await round(1000);
const rounds = [];
for (let i = 0; i < ROUNDS; i += 1) rounds.push(await round(DELIVERIES));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const rates = rounds.map((r) => r.rate);
const size = (await delivery(0).text()).length;
console.log(
  `events: verified deliveries per second, one process (${DELIVERIES} per round, ${CONCURRENCY} in flight, ${ROUNDS} rounds, body ${size} B)`,
);
console.log(`  median ${Math.round(median(rates))}/s   (rounds: ${rates.map((rate) => Math.round(rate)).join(', ')})`);
console.log(
  `  ${Math.round(median(rounds.map((r) => r.perCpuSecond)))} deliveries per CPU second of this process (median)`,
);
