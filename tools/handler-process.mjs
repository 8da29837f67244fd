// One server process of a multi-process deployment, for the tests and `npm run bench -- server`:
// ce-connect/server on 127.0.0.1 (an OS-chosen port), with the used-state store on Redis or in its own memory.
//
//   node tools/handler-process.mjs '{"id":"p0","appUrl":…,"ceBaseUrl":…,"store":"redis"|"memory","redisUrl":…}'
//
// It writes one JSON line per event to stdout: {"event":"listening","port"}, {"event":"redis-ready"} (each time
// its client is (re)connected), {"event":"redis-down"}; every response carries `X-Served-By: <id>`.
// With `"events": {"signingKeys": […], "failFirst": [deliveryId…]}` it serves POST /api/ce/events and writes
// {"event":"delivered","deliveryId","owner"} per delivery; onEvent throws at the first try of a `failFirst` id.
// It stops when its stdin closes (its parent went away) or on SIGTERM.
import { createServer } from 'node:http';
import { createConnectHandler, toNodeListener } from 'ce-connect/server';

const config = JSON.parse(process.argv[2]);
const say = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);

let client;
let stateStore;
if (config.store === 'redis') {
  const { createClient } = await import('redis');
  const { createRedisStateStore } = await import('ce-connect/server/redis');
  client = createClient({
    url: config.redisUrl,
    disableOfflineQueue: true,
    // Back quickly once Redis is there again; the default backs off for longer.
    socket: { reconnectStrategy: (retries) => Math.min(20 + retries * 10, 200) },
  });
  client.on('ready', () => say({ event: 'redis-ready' }));
  client.on('error', () => say({ event: 'redis-down' }));
  await client.connect();
  stateStore = createRedisStateStore(client, { timeoutMs: config.redisTimeoutMs ?? 1000 });
}

const elements = Object.fromEntries(
  ['sfdc', 'hubspot'].map((key) => [
    key,
    {
      apiKey: `${key}-key`,
      apiSecret: `${key}-api-secret-0123`,
      callbackUrl: `${config.appUrl}/api/ce/${key}/oauth/callback`,
    },
  ]),
);
const failing = new Set(config.events?.failFirst ?? []);
const events = config.events && {
  signingKeys: config.events.signingKeys,
  onEvent: (event) => {
    if (failing.delete(event.deliveryId)) throw new Error('failing on purpose');
    say({ event: 'delivered', deliveryId: event.deliveryId, owner: event.owner });
  },
};
const handler = createConnectHandler({
  cloudElements: {
    baseUrl: config.ceBaseUrl,
    userSecret: config.userSecret,
    organizationSecret: config.organizationSecret,
  },
  elements,
  cookieSecret: config.cookieSecret,
  onInstanceCreated: () => {},
  ...(stateStore && { stateStore }),
  ...(events && { events }),
});
const listener = toNodeListener(handler, { origin: config.appUrl });
const server = createServer((request, response) => {
  response.setHeader('X-Served-By', config.id);
  listener(request, response);
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => say({ event: 'listening', port: server.address().port }));

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  server.closeAllConnections();
  server.close();
  await client?.destroy();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
