// Click → consent navigation with and without `prefetch` (docs/performance.md, "Prefetch"): the time from the
// click (the button's `connect-start`, dispatched in the click task) to the provider page's request arriving at
// the provider server (the sandbox), in Chromium, Firefox and WebKit, for an instant Cloud Elements (the engine's
// floor) and one answering oauth/url 400 ms late (sandbox `latencyMs`). With prefetch the intent (keyboard focus
// on the button) comes 1 s before the click, as a person's hover or Tab does. p50 and p95 over RUNS clicks
// (default 20). `npm run bench -- prefetch` (needs `npm run build`); `ENGINES=chromium,firefox` picks engines.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import puppeteer from 'puppeteer-core';
import { createConnectHandler, toNodeListener } from '../lib/server/index.js';
import { createSandbox } from '../lib/sandbox/index.js';
import { launchChromium } from '../tools/chromium.mjs';
import { webDriver } from '../test/e2e/webdriver.mjs';
import { startWebKitDriver } from '../test/support/webkit-driver.mjs';

const RUNS = Number(process.env.RUNS ?? 20);
const ENGINES = (process.env.ENGINES ?? 'chromium,firefox,webkit').split(',');
const LATENCIES = [0, 400];
const SECRETS = { userSecret: 'bench-user-secret-0001', organizationSecret: 'bench-org-secret-0001' };
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function listen(listener) {
  const server = createServer(listener);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

/** The sandbox on its own origin, recording when each consent page request arrives (before anything else). */
async function startProvider() {
  const sandbox = createSandbox({ ...SECRETS, appName: 'ce-connect bench' });
  const arrivals = [];
  let listener;
  const { server, origin } = await listen((req, res) => listener(req, res));
  listener = toNodeListener(
    (request) => {
      if (/^\/oauth\/.*authorize/.test(new URL(request.url).pathname)) arrivals.push(now());
      return sandbox.handler(request);
    },
    { origin },
  );
  return { sandbox, arrivals, origin, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** The host: a page with one button (prefetch or not, by query), dist/ce-connect.js, and the real handler. */
async function startHost(provider) {
  const script = readFileSync(new URL('../dist/ce-connect.js', import.meta.url));
  const { server, origin } = await listen((req, res) => listener(req, res));
  const handler = createConnectHandler({
    cloudElements: { baseUrl: `${provider.origin}/elements/api-v2`, ...SECRETS },
    elements: {
      sfdc: {
        apiKey: 'sfdc-bench-key',
        apiSecret: 'sfdc-bench-secret-0001',
        callbackUrl: `${origin}/api/ce/sfdc/oauth/callback`,
      },
    },
    cookieSecret: randomBytes(32).toString('base64url'),
    onInstanceCreated: () => undefined, // no consent is ever given here
  });
  const page = (prefetch) =>
    new Response(
      `<!doctype html><meta charset="utf-8"><title>bench</title><script type="module" src="/ce-connect.js"></script>` +
        `<ce-connect-button element="sfdc" closed-grace="100"${prefetch ? ' prefetch' : ''}></ce-connect-button>`,
      { headers: { 'content-type': 'text/html' } },
    );
  const listener = toNodeListener(
    async (request) => {
      const url = new URL(request.url);
      if (url.pathname === '/') return page(url.searchParams.has('prefetch'));
      if (url.pathname === '/ce-connect.js')
        return new Response(script, { headers: { 'content-type': 'text/javascript' } });
      return (await handler(request)) ?? new Response('not found', { status: 404 });
    },
    { origin },
  );
  return { origin, close: () => new Promise((resolve) => server.close(resolve)) };
}

// In the page: the time of the click (connect-start, in the click task), the intent, and the end of a flow.
const ARM = `window.__clicked = 0; document.addEventListener('connect-start', () => (window.__clicked = performance.timeOrigin + performance.now()), { once: true });`;
const INTENT = `document.querySelector('ce-connect-button').shadowRoot.querySelector('button').focus();`;
const STATUS = `document.querySelector('ce-connect-button').status`;
const RESET = `{ const el = document.querySelector('ce-connect-button'); if (!el) throw new Error('no button at ' + location.href); el.cancel(); el.shadowRoot.querySelector('button').blur(); }`;

/** A driver per engine: open(url), run(script) → value, click() (a real click on the button), close(). */
async function puppeteerDriver(launch) {
  const browser = await launch();
  let page;
  return {
    async open(url) {
      await page?.close();
      page = await browser.newPage();
      await page.goto(url, { waitUntil: 'load' });
      await page.waitForSelector('ce-connect-button >>> button');
    },
    run: (script) => page.evaluate(script),
    // Closed from outside: Firefox's puppeteer evaluates in the popup while it is open.
    async closePopups() {
      for (const other of await browser.pages()) if (other !== page) await other.close().catch(() => undefined);
    },
    click: () => page.click('ce-connect-button >>> button'),
    close: () => browser.close(),
  };
}

async function webkitDriver() {
  const driver = await startWebKitDriver();
  const session = await webDriver(`http://127.0.0.1:${driver.port}`).newSession();
  const main = await session.window();
  return {
    async open(url) {
      await session.navigate(url);
      await session.until(
        () =>
          session.execute(`return !!document.querySelector('ce-connect-button')?.shadowRoot?.querySelector('button')`),
        'the button',
      );
    },
    run: (script) => session.execute('return eval(arguments[0])', script),
    async click() {
      await session.click(await session.findInShadow('ce-connect-button', 'button'));
      await session.switchTo(main);
    },
    async closePopups() {
      for (const handle of await session.windows()) {
        if (handle === main) continue;
        await session.switchTo(handle);
        await session.closeWindow().catch(() => undefined);
      }
      await session.switchTo(main);
    },
    async close() {
      await session.delete().catch(() => undefined);
      await driver.stop();
    },
  };
}

const launchers = {
  chromium: () => puppeteerDriver(() => launchChromium()),
  firefox: () =>
    puppeteerDriver(() =>
      puppeteer.launch({
        browser: 'firefox',
        executablePath: process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr',
        headless: true,
        extraPrefsFirefox: { 'dom.disable_open_during_load': true },
      }),
    ),
  webkit: () => webkitDriver(),
};

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

const provider = await startProvider();
const host = await startHost(provider);
const rows = [];
try {
  for (const engine of ENGINES) {
    const driver = await launchers[engine]();
    try {
      for (const latencyMs of LATENCIES) {
        provider.sandbox.configure({ latencyMs });
        for (const prefetch of [false, true]) {
          await driver.open(`${host.origin}/${prefetch ? '?prefetch' : ''}`);
          const times = [];
          for (let i = 0; i < RUNS; i += 1) {
            const before = provider.arrivals.length;
            await driver.run(ARM);
            if (prefetch) {
              await driver.run(INTENT);
              await sleep(1000);
            }
            await driver.click();
            for (let waited = 0; provider.arrivals.length === before; waited += 10) {
              if (waited > 20_000) throw new Error(`${engine}: the consent page was never asked for`);
              await sleep(10);
            }
            // The flow sees its popup closed (connect-cancel) and the button is idle again before the next click.
            await driver.closePopups();
            for (let waited = 0; (await driver.run(STATUS)) === 'connecting'; waited += 50) {
              if (waited > 20_000) throw new Error(`${engine}: the button stayed busy`);
              await sleep(50);
            }
            const clicked = await driver.run('window.__clicked');
            times.push(provider.arrivals[before] - clicked);
            await driver.run(RESET);
            await sleep(200);
          }
          times.sort((a, b) => a - b);
          const row = { engine, latencyMs, prefetch, p50: percentile(times, 50), p95: percentile(times, 95) };
          rows.push(row);
          console.error(
            `${engine} latency ${latencyMs} ms prefetch ${prefetch ? 'on' : 'off'}: p50 ${row.p50.toFixed(0)} ms, p95 ${row.p95.toFixed(0)} ms`,
          );
        }
      }
    } finally {
      await driver.close();
    }
  }
} finally {
  await host.close();
  await provider.close();
}

console.log(`\nclick → consent request, ${RUNS} clicks each (ms)\n`);
console.log('| engine | Cloud Elements latency | prefetch | p50 | p95 |');
console.log('|---|---|---|---|---|');
for (const { engine, latencyMs, prefetch, p50, p95 } of rows)
  console.log(`| ${engine} | ${latencyMs} ms | ${prefetch ? 'on' : 'off'} | ${p50.toFixed(0)} | ${p95.toFixed(0)} |`);
