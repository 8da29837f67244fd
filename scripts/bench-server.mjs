// Throughput of ce-connect/server: complete sign-ins per second — `GET oauth/url`, the provider's redirect (the
// sandbox, consent auto-allowed) and the flow-4a callback that consumes the state and creates the instance —
// through a round-robin proxy, side by side in one run, with the CPU time the server side (handler processes and
// Redis) spent per sign-in, which the machine's other load does not move:
//   memory ×1   one handler process, used states in its memory (the default)
//   redis ×1    one handler process, used states on Redis (the cost of the shared store alone)
//   redis ×2    two handler processes sharing Redis (the deployment the store exists for)
// Everything runs on 127.0.0.1: a private redis-server (Debian's; no persistence), the handler processes
// (tools/handler-process.mjs), and in this process the proxy, the sandbox and the client.
// `npm run bench -- server` (needs `npm run build` and redis-server). FLOWS flows per round (default 600),
// CONCURRENCY in flight (default 32), ROUNDS rounds (default 7, configurations interleaved); prints the median.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { startDeployment } from '../tools/multi-process.mjs';
import { startRedis } from '../tools/redis-server.mjs';

const FLOWS = Number(process.env.FLOWS ?? 600);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 32);
const ROUNDS = Number(process.env.ROUNDS ?? 7);
const WARM_UP = 500;

/** One complete sign-in through the proxy; throws unless the callback page reports an instance. */
async function signIn(appUrl) {
  const started = await fetch(`${appUrl}/api/ce/sfdc/oauth/url`, {
    headers: { Accept: 'application/json', 'X-CE-Connect': '1' },
  });
  if (started.status !== 200) throw new Error(`oauth/url answered ${started.status}`);
  const { oauthUrl } = await started.json();
  const cookie = started.headers
    .getSetCookie()
    .map((value) => value.split(';')[0])
    .join('; ');
  const provider = await fetch(oauthUrl, { redirect: 'manual' });
  await provider.arrayBuffer();
  const callback = await fetch(provider.headers.get('location'), { headers: { Cookie: cookie } });
  const page = await callback.text();
  if (callback.status !== 200 || !page.includes('"instanceId"'))
    throw new Error(`callback answered ${callback.status}`);
}

/** `count` sign-ins, `CONCURRENCY` at a time; resolves with the elapsed milliseconds. */
async function run(appUrl, count) {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, count) }, async () => {
      while (next < count) {
        next += 1;
        await signIn(appUrl);
      }
    }),
  );
  return performance.now() - start;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * CPU milliseconds (user + system) the processes have used so far, from /proc (Linux). Unlike the rate, this
 * does not move when something else on the machine takes the cores for a while.
 */
function cpuMs(pids) {
  let ticks = 0;
  for (const pid of pids) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
  }
  return (ticks * 1000) / CLOCK_TICKS;
}
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

const redis = await startRedis();
const configurations = [
  { name: 'memory ×1', count: 1, store: 'memory' },
  { name: 'redis ×1', count: 1, store: 'redis' },
  { name: 'redis ×2', count: 2, store: 'redis' },
];
try {
  for (const configuration of configurations) {
    configuration.deployment = await startDeployment({ ...configuration, redisUrl: redis.url });
    await run(configuration.deployment.appUrl, WARM_UP);
    configuration.rates = [];
    configuration.costs = [];
  }
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const configuration of configurations) {
      // The server side: the handler processes, and Redis when they use it.
      const pids = [
        ...configuration.deployment.processes.map((p) => p.pid),
        ...(configuration.store === 'redis' ? [redis.pid()] : []),
      ];
      const cpuBefore = cpuMs(pids);
      const ms = await run(configuration.deployment.appUrl, FLOWS);
      configuration.costs.push((cpuMs(pids) - cpuBefore) / FLOWS);
      configuration.rates.push((FLOWS / ms) * 1000);
    }
  }
  const baseRate = median(configurations[0].rates);
  const baseCost = median(configurations[0].costs);
  console.log(
    'ce-connect/server, complete sign-ins (GET oauth/url + provider redirect + callback that consumes the state',
  );
  console.log(
    `and creates the instance): ${FLOWS} per round, ${CONCURRENCY} in flight, median of ${ROUNDS} interleaved rounds,`,
  );
  console.log(
    `loopback, ${availableParallelism()} cores shared by client, proxy, sandbox, handler processes and Redis`,
  );
  console.log('                 sign-ins/s   ratio   server CPU ms per sign-in   ratio   (rates per round)');
  for (const { name, rates, costs } of configurations) {
    const rate = median(rates);
    const cost = median(costs);
    const row = [
      `  ${name.padEnd(11)}`,
      rate.toFixed(0).padStart(10),
      (rate / baseRate).toFixed(2).padStart(8),
      cost.toFixed(2).padStart(20),
      (cost / baseCost).toFixed(2).padStart(15),
      `   (${rates.map((r) => r.toFixed(0)).join(' ')})`,
    ];
    console.log(row.join(''));
  }
} finally {
  await Promise.allSettled(configurations.map((configuration) => configuration.deployment?.close()));
  await redis.stop();
}
