// Browser tests in three engines, each with its real popup blocker: Debian's Chromium (headless), Firefox ESR
// (headless, puppeteer-core over WebDriver BiDi) and WebKit (WebKitGTK's MiniBrowser through WebKitWebDriver,
// on a private Xvfb). The backend the button calls (docs/server.md, "The backend contract") runs as middleware, and a
// provider stand-in on a second loopback port (another origin, as real providers are).
// BROWSERS=chromium,firefox,webkit picks some of them; an engine that is not installed is left out with a
// warning, or fails the run under CI=true. Two browsers run side by side, each one test file at a time.
// A test an engine cannot run is declared with skipIn (test/support/engines.ts).
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { webdriverLauncher } from '@web/test-runner-webdriver';
import puppeteer from 'puppeteer-core';
import { CHROMIUM, chromiumArgs, ignoreDefaultArgs } from './tools/chromium.mjs';
import { callbackFixtures } from './test/support/callback-pages.mjs';
import { fakeBackend } from './test/support/fake-backend.mjs';
import { startCrossOriginBackend } from './test/support/cross-origin-backend.mjs';
import { createGates } from './test/support/gates.mjs';
import { startProvider } from './test/support/provider.mjs';
import { startRealBackend } from './test/support/real-backend.mjs';
import { reactEsm } from './test/support/react-esm.mjs';
import { reactSsr } from './test/support/react-ssr.mjs';
import { createStats } from './test/support/stats.mjs';
import {
  missingWebKit,
  startWebKitDriver,
  WEBKIT_INSTALL_HINT,
  webkitCapabilities,
} from './test/support/webkit-driver.mjs';
import { resultsReporter, skipReasons } from './test/support/results-reporter.mjs';
import { defaultReporter } from '@web/test-runner';

/** A port the OS says is free now: the real backend's callback URLs must name the dev server's origin. */
async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const firefoxPath = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
const wanted = (name) =>
  !process.env.BROWSERS ||
  process.env.BROWSERS.split(',')
    .map((each) => each.trim().toLowerCase())
    .includes(name);
const firefoxMissing = wanted('firefox') && !existsSync(firefoxPath);
const webkitMissing = wanted('webkit') ? missingWebKit() : [];
// Said before anything starts, so that a CI run stopped here leaves nothing behind.
if (firefoxMissing)
  engineMissing(
    `Firefox not found at ${firefoxPath}: the browser suite runs without it (apt-get install firefox-esr).`,
  );
if (webkitMissing.length)
  engineMissing(
    `${webkitMissing.join(', ')} not found: the browser suite runs without WebKit (${WEBKIT_INSTALL_HINT}).`,
  );

/** An engine that is not installed: a warning on a developer's machine, a failure under CI (CI set, not 0/false). */
function engineMissing(message) {
  const ci = Boolean(process.env.CI) && !/^(0|false)$/i.test(process.env.CI);
  if (ci) throw new Error(`${message} Under CI every engine must run.`);
  console.warn(message);
}

const port = await freePort();
const skips = skipReasons();
const gates = createGates();
const stats = createStats();
const provider = await startProvider(gates);
const realBackend = await startRealBackend({ pageOrigin: `http://127.0.0.1:${port}`, gates, stats });
const crossOriginBackend = await startCrossOriginBackend({ pageOrigin: `http://127.0.0.1:${port}` });

const browsers = [];
if (wanted('chromium')) {
  browsers.push(
    chromeLauncher({
      launchOptions: {
        executablePath: CHROMIUM,
        headless: true,
        args: chromiumArgs,
        // Keep Chromium's real popup blocker: window.open without a user gesture must fail as in the field.
        ignoreDefaultArgs,
      },
    }),
  );
}
if (wanted('firefox') && !firefoxMissing) {
  // puppeteer-core drives Firefox over WebDriver BiDi; the same launcher works with `browser: 'firefox'`.
  browsers.push(
    chromeLauncher({
      puppeteer,
      launchOptions: {
        browser: 'firefox',
        executablePath: firefoxPath,
        headless: true,
        // puppeteer turns Firefox's popup blocker off; the tests need the real one.
        extraPrefsFirefox: { 'dom.disable_open_during_load': true },
      },
    }),
  );
}

// WebKit: this config starts WebKitWebDriver on a private Xvfb (and stops both when the server stops); the
// launcher only speaks WebDriver to it. WebKit keeps Safari's popup blocker on under automation, and a
// WebDriver pointer action (sendMouse) is a real user gesture.
let webkitDriver;
if (wanted('webkit') && webkitMissing.length === 0) {
  webkitDriver = await startWebKitDriver();
  const launcher = webdriverLauncher({
    automationProtocol: 'webdriver',
    hostname: '127.0.0.1',
    port: webkitDriver.port,
    path: '/',
    capabilities: webkitCapabilities(),
  });
  // The launcher names a browser after its capabilities, and WebKitGTK's may not say browserName.
  const initialize = launcher.initialize.bind(launcher);
  launcher.initialize = async (...args) => {
    await initialize(...args);
    launcher.name = 'WebKit';
  };
  // One page at a time. The global `concurrency: 1` below matters too: with more, this launcher runs test
  // files in iframes of one page, where popups, focus and real clicks are not those of a top-level page.
  launcher.concurrency = 1;
  browsers.push(launcher);
}

export default {
  files: ['test/**/*.test.ts'],
  nodeResolve: true,
  hostname: '127.0.0.1',
  port,
  rootDir: '.',
  concurrency: 1,
  // Two browsers at a time (web-test-runner's default, said here because it was measured): Chromium and Firefox
  // start together and WebKit takes Chromium's place when it is done. Firefox, the slowest with popups, sets the
  // pace; a third browser from the start only slows it down on two cores.
  concurrentBrowsers: 2,
  // Bounds that only turn a hang into a failure, so they are minutes: a loaded 2-core machine slows a browser's
  // start, a test and a whole file down without anything hanging (web-test-runner's defaults are 30 s for a
  // browser to start and 2 min for a file's tests; mocha's 2 s for a test).
  testFramework: { config: { timeout: 120_000 } },
  browserStartTimeout: 300_000,
  testsFinishTimeout: 1_200_000,
  browsers,
  // The default reporter for humans; per-browser counts in .test-results/browser.json for scripts/test.mjs.
  reporters: [defaultReporter(), resultsReporter({ skipReasons: skips })],
  middleware: [
    callbackFixtures(), // test/fixtures/callback*.html, rendered from one template
    realBackend.middleware,
    crossOriginBackend.middleware,
    fakeBackend(provider, { gates, stats }),
  ],
  plugins: [
    skips, // why tests were skipped, for the results reporter (test/support/engines.ts)
    reactEsm(), // `react` and `react-dom/client` as one ES module (test/react-wrapper.test.ts)
    reactSsr(), // the `react-ssr` command: renderToString in Node, for the page to hydrate (test/react-ssr.test.ts)
    // esbuild reads this one file as it is (no `extends`): the base holds the options that change the output
    // (class fields). The type check of the tests is tsconfig.browser-tests.json's.
    esbuildPlugin({ ts: true, target: 'es2021', tsconfig: new URL('./tsconfig.base.json', import.meta.url).pathname }),
    {
      name: 'stop-backends',
      serverStop: () => (
        gates.releaseAll(),
        Promise.all([provider.close(), realBackend.close(), crossOriginBackend.close(), webkitDriver?.stop()])
      ),
    },
  ],
};
