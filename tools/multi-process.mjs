// Several handler processes behind a round-robin proxy, with the sandbox as Cloud Elements — the deployment the
// Redis tests and `npm run bench -- server` exercise. Everything listens on 127.0.0.1 on OS-chosen ports.
import { spawn } from 'node:child_process';
import { Agent, createServer, request as httpRequest } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { toNodeListener } from '../lib/server/index.js';
import { createSandbox } from '../lib/sandbox/index.js';

const HANDLER_SCRIPT = fileURLToPath(new URL('./handler-process.mjs', import.meta.url));

/** The values the processes are configured with; any of them in a response would be a leak. */
export const CONFIG = Object.freeze({
  userSecret: 'multi-user-secret-7d1',
  organizationSecret: 'multi-org-secret-2c9',
  cookieSecret: 'multi-process-cookie-secret-0123456789abcdef',
});

/** Resolves with the listening server and its origin. */
async function listen(listener) {
  const server = createServer(listener);
  server.keepAliveTimeout = 30_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () =>
    new Promise((resolve) => {
      server.close(resolve);
      server.closeAllConnections();
    });
  return { server, url: `http://127.0.0.1:${server.address().port}`, close };
}

/**
 * The sandbox on its own port, consent decided without a page (`autoDecision: 'allow'`), counting what reaches
 * its API: `instanceCalls()` is the number of `POST /instances` it received.
 */
export async function startCloudElements() {
  const sandbox = createSandbox({
    userSecret: CONFIG.userSecret,
    organizationSecret: CONFIG.organizationSecret,
    autoDecision: 'allow',
  });
  let instanceCalls = 0;
  let origin;
  const listener = (req, res) => {
    if (req.method === 'POST' && req.url === '/elements/api-v2/instances') instanceCalls += 1;
    return toNodeListener(sandbox.handler, { origin })(req, res);
  };
  const server = await listen(listener);
  origin = server.url;
  return {
    sandbox,
    url: server.url,
    baseUrl: `${server.url}/elements/api-v2`,
    instanceCalls: () => instanceCalls,
    close: server.close,
  };
}

/**
 * A round-robin HTTP proxy: request n goes to backend n mod count, whatever it is. `setBackends(urls)` before the
 * first request (the processes need the proxy's origin first, for their callback URLs).
 */
export async function startProxy() {
  let backends = [];
  let next = 0;
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const proxy = await listen((req, res) => {
    const target = new URL(backends[next++ % backends.length]);
    const upstream = httpRequest(
      { agent, host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode, answer.rawHeaders);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'application/json' });
      res.end('{"message":"proxy: backend unreachable"}');
    });
    req.pipe(upstream);
  });
  return {
    url: proxy.url,
    setBackends(urls) {
      backends = urls;
    },
    async close() {
      agent.destroy();
      await proxy.close();
    },
  };
}

/**
 * One handler process (handler-process.mjs). `events` holds every JSON line it wrote; `waitFor(predicate)` resolves
 * with the first line, from `since` on, that matches. `stop()` ends it and waits for it to exit.
 */
export async function startHandlerProcess(config) {
  const child = spawn(process.execPath, [HANDLER_SCRIPT, JSON.stringify({ ...CONFIG, ...config })], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  killOnExit.add(child);
  const exited = new Promise((resolve) =>
    child.once('exit', () => {
      killOnExit.delete(child);
      resolve();
    }),
  );
  const events = [];
  const waiters = new Set();
  createInterface({ input: child.stdout }).on('line', (line) => {
    let event;
    try {
      event = JSON.parse(line);
    } catch {
      return;
    }
    events.push(event);
    for (const waiter of waiters) waiter.check();
  });
  const waitFor = (predicate, since = 0) =>
    new Promise((resolve, reject) => {
      const waiter = {
        check() {
          const index = events.findIndex((event, i) => i >= since && predicate(event));
          if (index < 0) return;
          waiters.delete(waiter);
          resolve(events[index]);
        },
      };
      waiters.add(waiter);
      waiter.check();
      exited.then(() => {
        if (waiters.delete(waiter)) reject(new Error(`handler process ${config.id} exited`));
      });
    });
  const { port } = await waitFor((event) => event.event === 'listening');
  return {
    id: config.id,
    pid: child.pid,
    url: `http://127.0.0.1:${port}`,
    events,
    waitFor,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

const killOnExit = new Set();
process.on('exit', () => {
  for (const child of killOnExit) child.kill('SIGKILL');
});

/**
 * `count` handler processes (same configuration) behind the proxy, with the sandbox as Cloud Elements.
 * `store`: "redis" (then `redisUrl`) or "memory". `close()` stops everything it started.
 */
export async function startDeployment({ count, store, redisUrl, redisTimeoutMs }) {
  const started = [];
  const close = async () => {
    await Promise.allSettled(started.map((part) => part.stop?.() ?? part.close()));
  };
  try {
    const ce = await startCloudElements();
    started.push(ce);
    const proxy = await startProxy();
    started.push(proxy);
    const processes = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        startHandlerProcess({
          id: `p${i}`,
          appUrl: proxy.url,
          ceBaseUrl: ce.baseUrl,
          store,
          redisUrl,
          redisTimeoutMs,
        }).then((p) => {
          started.push(p);
          return p;
        }),
      ),
    );
    proxy.setBackends(processes.map((p) => p.url));
    return { ce, proxy, processes, appUrl: proxy.url, close };
  } catch (error) {
    await close();
    throw error;
  }
}
