// WebKit (the engine of Safari) for the tests: WebKitGTK's MiniBrowser driven by WebKitWebDriver (Debian's
// webkit2gtk-driver) over classic WebDriver, on a private Xvfb display. Used by the browser suite's config
// (web-test-runner.config.mjs) and by the demo's end-to-end test in WebKit (test/e2e/webkit.test.mjs).
// Every process started here runs in its own process group, ended as a whole (MiniBrowser and its helper
// processes included) by `stop()`, and on every way out of this Node process, even a signal.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';

// MiniBrowser ships in libwebkit2gtk-4.1-0 (a dependency of webkit2gtk-driver), under the multiarch directory.
export const MINIBROWSER =
  process.env.MINIBROWSER_PATH ??
  ['x86_64-linux-gnu', 'aarch64-linux-gnu']
    .map((arch) => `/usr/lib/${arch}/webkit2gtk-4.1/MiniBrowser`)
    .find((file) => existsSync(file)) ??
  '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

const onPath = (name) =>
  (process.env.PATH ?? '')
    .split(delimiter)
    .map((dir) => join(dir, name))
    .find((file) => existsSync(file));

/** What WebKit needs and this machine lacks, by name (empty when it can run). */
export function missingWebKit() {
  return [
    ['WebKitWebDriver', onPath('WebKitWebDriver')],
    ['MiniBrowser', existsSync(MINIBROWSER)],
    ['Xvfb', onPath('Xvfb')],
  ]
    .filter(([, found]) => !found)
    .map(([name]) => name);
}
export const WEBKIT_INSTALL_HINT = 'apt-get install webkit2gtk-driver xvfb';

/**
 * The capabilities of a WebKitGTK session. No `browserName` and no headless flag: WebKitWebDriver refuses a
 * session with either ("Failed to match capabilities"); Xvfb is what keeps it off the screen.
 */
export const webkitCapabilities = () => ({
  'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Process groups started here that are still alive. */
const groups = new Set();
const signalGroup = (pid, signal) => {
  try {
    process.kill(-pid, signal);
  } catch {
    // The whole group is gone.
  }
};
let exitHooked = false;
function hookExit() {
  if (exitHooked) return;
  exitHooked = true;
  const killAll = () => groups.forEach((pid) => signalGroup(pid, 'SIGKILL'));
  process.once('exit', killAll);
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ]) {
    process.once(signal, () => {
      killAll();
      process.exit(code);
    });
  }
}

/** Starts `command` in its own process group; `stop()` ends the whole group and waits for its leader. */
export function startProcess(command, args, options = {}) {
  hookExit();
  const child = spawn(command, args, { detached: true, ...options });
  groups.add(child.pid);
  const exited = new Promise((resolve) => child.once('exit', resolve).once('error', resolve));
  return {
    child,
    exited,
    async stop() {
      signalGroup(child.pid, 'SIGTERM');
      const stopped =
        child.exitCode !== null ||
        child.signalCode !== null ||
        (await Promise.race([exited.then(() => true), sleep(3000).then(() => false)]));
      if (!stopped) {
        signalGroup(child.pid, 'SIGKILL');
        await exited;
      }
      groups.delete(child.pid);
    },
  };
}

/** A private X display: Xvfb picks a free display number and writes it on fd 3. */
export async function startXvfb() {
  const xvfb = startProcess('Xvfb', ['-displayfd', '3', '-nolisten', 'tcp', '-screen', '0', '1280x1024x24'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  try {
    const display = await new Promise((resolve, reject) => {
      let text = '';
      xvfb.child.stdio[3].on('data', (chunk) => {
        text += chunk;
        if (text.includes('\n')) resolve(`:${text.trim()}`);
      });
      xvfb.exited.then((code) => reject(new Error(`Xvfb exited (${code}) before giving a display`)));
      setTimeout(() => reject(new Error('Xvfb gave no display in 10 s')), 10000).unref();
    });
    return { ...xvfb, display };
  } catch (error) {
    await xvfb.stop();
    throw error;
  }
}

/**
 * Xvfb, then WebKitWebDriver on a free loopback port, answering /status. `stop()` ends both; the sessions'
 * MiniBrowsers are WebKitWebDriver's children, in its group.
 */
export async function startWebKitDriver() {
  const xvfb = await startXvfb();
  const port = await freePort();
  const driver = startProcess('WebKitWebDriver', [`--port=${port}`], {
    env: { ...process.env, DISPLAY: xvfb.display },
    stdio: 'ignore',
  });
  const stop = async () => {
    await driver.stop();
    await xvfb.stop();
  };
  for (let tries = 0; ; tries++) {
    const answer = await fetch(`http://127.0.0.1:${port}/status`, { signal: AbortSignal.timeout(2000) }).then(
      (response) => (response.ok ? undefined : `status ${response.status}`),
      (error) => error.message,
    );
    if (answer === undefined) break;
    if (tries > 100 || driver.child.exitCode !== null) {
      await stop();
      throw new Error(`WebKitWebDriver did not answer on port ${port}: ${answer}`);
    }
    await sleep(100);
  }
  return { port, display: xvfb.display, stop };
}
