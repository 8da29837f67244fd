// Browser tests: real headless browsers (Debian's Chromium, and Firefox ESR when installed), the host backend
// of CONTRACT §4 as middleware, and a provider stand-in on a second loopback port (another origin, as real
// providers are). BROWSERS=chromium or BROWSERS=firefox runs one of them.
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import puppeteer from 'puppeteer-core';
import { fakeBackend } from './test/support/fake-backend.mjs';
import { createGates } from './test/support/gates.mjs';
import { startProvider } from './test/support/provider.mjs';
import { startRealBackend } from './test/support/real-backend.mjs';
import { reactEsm } from './test/support/react-esm.mjs';
import { createStats } from './test/support/stats.mjs';
import { resultsReporter } from './test/support/results-reporter.mjs';
import { defaultReporter } from '@web/test-runner';

/** A port the OS says is free now: the real backend's callback URLs must name the dev server's origin. */
async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const port = await freePort();
const gates = createGates();
const stats = createStats();
const provider = await startProvider(gates);
const realBackend = await startRealBackend({ pageOrigin: `http://127.0.0.1:${port}`, gates, stats });

const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const firefoxPath = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
const wanted = (name) => !process.env.BROWSERS || process.env.BROWSERS.split(',').includes(name);

const browsers = [];
if (wanted('chromium')) {
  browsers.push(chromeLauncher({
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      args: chromiumArgs,
      // Keep Chromium's real popup blocker: window.open without a user gesture must fail as in the field.
      ignoreDefaultArgs: ['--disable-popup-blocking'],
    },
  }));
}
if (wanted('firefox') && existsSync(firefoxPath)) {
  // puppeteer-core drives Firefox over WebDriver BiDi; the same launcher works with `browser: 'firefox'`.
  browsers.push(chromeLauncher({
    puppeteer,
    launchOptions: {
      browser: 'firefox',
      executablePath: firefoxPath,
      headless: true,
      // puppeteer turns Firefox's popup blocker off; the tests need the real one.
      extraPrefsFirefox: { 'dom.disable_open_during_load': true },
    },
  }));
} else if (wanted('firefox')) {
  console.warn(`Firefox not found at ${firefoxPath}: the browser suite runs in Chromium only (apt-get install firefox-esr).`);
}

export default {
  files: ['test/**/*.test.ts'],
  nodeResolve: true,
  hostname: '127.0.0.1',
  port,
  rootDir: '.',
  concurrency: 1,
  testFramework: { config: { timeout: 10000 } },
  testsFinishTimeout: 240000,
  browsers,
  // The default reporter for humans; per-browser counts in .test-results/browser.json for scripts/test.mjs.
  reporters: [defaultReporter(), resultsReporter()],
  middleware: [realBackend.middleware, fakeBackend(provider, { gates, stats })],
  plugins: [
    reactEsm(), // `react` and `react-dom/client` as one ES module (test/react-wrapper.test.ts)
    // esbuild reads this one file as it is (no `extends`): the base holds the options that change the output
    // (decorators, class fields). The type check of the tests is tsconfig.browser-tests.json's.
    esbuildPlugin({ ts: true, target: 'es2021', tsconfig: new URL('./tsconfig.base.json', import.meta.url).pathname }),
    { name: 'stop-backends', serverStop: () => (gates.releaseAll(), Promise.all([provider.close(), realBackend.close()])) },
  ],
};
