// A private redis-server for one test file: Debian's binary on a free loopback port, no persistence, stopped by
// the test (and, should the test process die first, by its exit handler). Never the system service.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

/** The redis-server binary: $REDIS_SERVER_PATH (only that, when set), /usr/bin/redis-server, or one on PATH. */
export function findRedisServer() {
  if (process.env.REDIS_SERVER_PATH)
    return existsSync(process.env.REDIS_SERVER_PATH) ? process.env.REDIS_SERVER_PATH : undefined;
  if (existsSync('/usr/bin/redis-server')) return '/usr/bin/redis-server';
  const which = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() || undefined : undefined;
}

/**
 * For `test(name, { skip: redisMissing() }, …)`: false when redis-server is there. Missing under CI=true is a
 * failure, not a skip: the caller's test then throws (see {@link startRedis}).
 */
export function redisMissing() {
  const ci = Boolean(process.env.CI) && !/^(0|false)$/i.test(process.env.CI);
  if (findRedisServer() || ci) return false;
  return 'redis-server is not installed (apt-get install -y redis-server; `npm test` installs it as root)';
}

const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A port the OS just handed out on 127.0.0.1 (redis-server cannot be told to pick one itself: port 0 means no TCP). */
async function freePort() {
  const server = createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts redis-server on `port`; resolves once it accepts connections, rejects with its output if it exits. */
function launch(binary, port) {
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--protected-mode',
    'yes',
  ];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    }),
  );
  let output = '';
  const ready = new Promise((resolve, reject) => {
    const onData = (chunk) => {
      output += chunk;
      if (output.includes('Ready to accept connections')) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', reject);
    exited.then(({ code, signal }) =>
      reject(new Error(`redis-server exited (${code ?? signal}) before it was ready:\n${output.slice(-2000)}`)),
    );
  });
  return { child, exited, ready, output: () => output };
}

/**
 * Starts a redis-server for the test. Throws when the binary is missing (so a CI run without it fails).
 * Returns `{ port, url, pid(), stop(), start() }`: `stop()` kills it (SIGKILL: a crash, nothing saved), `start()` starts
 * it again on the same port, empty.
 */
export async function startRedis() {
  const binary = findRedisServer();
  if (!binary)
    throw new Error(
      'redis-server is missing: install it with `apt-get install -y redis-server` (`npm test` does as root)',
    );
  let port;
  let instance;
  // The port is free when asked for, but another process may take it before redis-server binds it: retry.
  for (let attempt = 1; ; attempt += 1) {
    port = await freePort();
    instance = launch(binary, port);
    try {
      await instance.ready;
      break;
    } catch (error) {
      if (attempt >= 5 || !/Address already in use/i.test(instance.output())) throw error;
    }
  }
  const redis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    /** The process id of the running server (undefined while stopped). */
    pid: () => instance?.child.pid,
    async stop() {
      if (!instance) return;
      const { child, exited } = instance;
      instance = undefined;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async start() {
      if (instance) throw new Error('redis-server is already running');
      instance = launch(binary, port);
      await instance.ready;
    },
  };
  return redis;
}
