// Click → consent request with and without `prefetch` (docs/performance.md, "Prefetch"): the time from the
// click (the button's `connect-start`, dispatched in the click task before `window.open`) to the provider page's
// request arriving at the provider server (the sandbox, on its own origin), in Chromium, Firefox and WebKit, for
// an instant Cloud Elements (the engine's floor: the same page, nothing to wait for but the engine) and one
// answering every API call 400 ms late (sandbox `latencyMs`). p50 and p95 over RUNS clicks (default 20) each.
// `npm run bench -- prefetch` (needs `npm run build`); `ENGINES=chromium,firefox` picks engines.
//
// One page per engine, whose button is clicked for every case in turn (round after round, after one warm-up
// click), so a shared machine's changing load falls on all four cases alike. The page reports to the host server
// (sendBeacon) rather than being read by the driver: once a popup is open, puppeteer's Firefox (WebDriver BiDi)
// evaluates in the popup, and WebKit's driver must switch windows. After each flow the page asks the host for the
// next case (the host sets the sandbox's latency), sets `prefetch`, gives the intent (keyboard focus) 1 s before it
// says it is ready, and stamps its click and the time `window.open` held the click task; the driver only clicks and
// closes the popup from outside. Both clocks are this machine's wall clock (Date.now() in the page and here).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import puppeteer from 'puppeteer-core';
import { createConnectHandler, toNodeListener } from '../lib/server/index.js';
import { createSandbox } from '../lib/sandbox/index.js';
import { launchChromium, LAUNCH_BOUND } from '../tools/chromium.mjs';
import { webDriver } from '../test/e2e/webdriver.mjs';
import { startWebKitDriver } from '../test/support/webkit-driver.mjs';

const RUNS = Number(process.env.RUNS ?? 20);
const ENGINES = (process.env.ENGINES ?? 'chromium,firefox,webkit').split(',');
const LATENCIES = [0, 400];
const INTENT_LEAD_MS = 1000;
const SECRETS = { userSecret: 'bench-user-secret-0001', organizationSecret: 'bench-org-secret-0001' };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `read` every 10 ms until it is truthy; a hang bound only (a loaded machine is slow, not stuck). */
async function until(read, what, bound = 60_000) {
  for (const deadline = Date.now() + bound; ; await sleep(10)) {
    const value = read();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'function' ? what() : what}`);
  }
}

async function listen(listener) {
  const server = createServer(listener);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () => new Promise((resolve) => (server.close(resolve), server.closeAllConnections()));
  return { origin: `http://127.0.0.1:${server.address().port}`, close };
}

/** The sandbox on its own origin, stamping each consent page request as it arrives (before anything else). */
async function startProvider() {
  const sandbox = createSandbox({ ...SECRETS, appName: 'ce-connect bench' });
  const arrivals = [];
  let listener;
  const { origin, close } = await listen((req, res) => listener(req, res));
  listener = toNodeListener(
    (request) => {
      if (/^\/oauth\/.*authorize/.test(new URL(request.url).pathname)) arrivals.push(Date.now());
      return sandbox.handler(request);
    },
    { origin },
  );
  return { sandbox, arrivals, origin, close };
}

// The bench page's own script: the reports and the re-arming described above, nothing the element needs.
const PAGE_SCRIPT = `
const page = new URLSearchParams(location.search).get('page');
const host = document.querySelector('ce-connect-button');
let n;
const mark = (kind, value) => navigator.sendBeacon('/bench/mark', JSON.stringify({ page, n, kind, value }));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const open = window.open;
window.open = function (...args) {
  const start = performance.now();
  try { return open.apply(this, args); } finally { mark('open', performance.now() - start); }
};
document.addEventListener('connect-start', () => mark('clicked', Date.now()));
async function arm() {
  await customElements.whenDefined('ce-connect-button');
  const button = host.shadowRoot.querySelector('button');
  button.blur();
  await sleep(200);
  const next = await (await fetch('/bench/next?page=' + page, { method: 'POST' })).json();
  if (next.done) return;
  n = next.n;
  host.prefetch = next.prefetch;
  await host.updateComplete;
  mark('intent', Date.now());
  if (next.prefetch) {
    // Keyboard focus is the intent; a window without system focus (Firefox's, after a popup) fires no focus
    // event, so then a touchstart, the other intent that needs no pointer.
    let focused = false;
    button.addEventListener('focus', () => (focused = true), { once: true });
    button.focus();
    if (!focused) button.dispatchEvent(new Event('touchstart'));
  }
  await sleep(${INTENT_LEAD_MS});
  mark('ready', Date.now());
}
for (const end of ['connect-cancel', 'connect-error', 'connected']) document.addEventListener(end, arm);
arm();`;

/**
 * The host: the bench page, dist/ce-connect.js, the real handler, `/bench/next` handing the page its next case
 * (and setting the sandbox's latency for it) and `/bench/mark` collecting its reports, one record per click:
 * the case, `intent`, `ready`, `clicked`, `open` (window.open's ms) and `asks` (oauth/url arrivals, stamped here).
 */
async function startHost(provider) {
  const script = readFileSync(new URL('../dist/ce-connect.js', import.meta.url));
  let listener;
  const { origin, close } = await listen((req, res) => listener(req, res));
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
    authorize: () => 'bench',
    onInstanceCreated: () => undefined, // no consent is ever given here
  });
  const page = () =>
    new Response(
      `<!doctype html><meta charset="utf-8"><title>bench</title><script type="module" src="/ce-connect.js"></script>` +
        `<ce-connect-button element="sfdc" closed-grace="100"></ce-connect-button>` +
        `<script type="module">${PAGE_SCRIPT}</script>`,
      { headers: { 'content-type': 'text/html' } },
    );
  let pages = 0;
  let run = { page: '', cases: [], clicks: [] };
  const asks = [];
  listener = toNodeListener(
    async (request) => {
      const url = new URL(request.url);
      if (url.pathname.endsWith('/oauth/url')) asks.push(Date.now());
      if (url.pathname === '/') return page();
      if (url.pathname === '/ce-connect.js')
        return new Response(script, { headers: { 'content-type': 'text/javascript' } });
      // A page already left may still report (its last flow's end): only the current page counts.
      const current = url.searchParams.get('page') === run.page;
      if (url.pathname === '/bench/next' && request.method === 'POST') {
        const n = run.clicks.length;
        if (!current || n === run.cases.length) return Response.json({ done: true });
        const { latencyMs, prefetch } = run.cases[n];
        provider.sandbox.configure({ latencyMs });
        run.clicks.push({ latencyMs, prefetch });
        return Response.json({ n, prefetch });
      }
      if (url.pathname === '/bench/mark' && request.method === 'POST') {
        const { page, n, kind, value } = JSON.parse(await request.text());
        if (page === run.page && run.clicks[n]) run.clicks[n][kind] = value;
        return new Response(null, { status: 204 });
      }
      return (await handler(request)) ?? new Response('not found', { status: 404 });
    },
    { origin },
  );
  return {
    asks,
    /** A fresh page that will be clicked for `cases` in order: its URL, and the click records as they fill. */
    start(cases) {
      run = { page: String((pages += 1)), cases, clicks: [] };
      return { url: `${origin}/?page=${run.page}`, clicks: run.clicks };
    },
    close,
  };
}

/** A driver per engine: open(url), click() (a real click on the button), closePopups(), close(). */
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
    click: () => page.click('ce-connect-button >>> button'),
    async closePopups() {
      for (const other of await browser.pages()) if (other !== page) await other.close().catch(() => undefined);
    },
    close: () => browser.close(),
  };
}

async function webkitDriver() {
  const driver = await startWebKitDriver();
  try {
    const session = await webDriver(`http://127.0.0.1:${driver.port}`).newSession();
    const main = await session.window();
    return {
      async open(url) {
        await session.navigate(url);
        await session.until(
          () =>
            session.execute(
              `return !!document.querySelector('ce-connect-button')?.shadowRoot?.querySelector('button')`,
            ),
          'the button',
        );
      },
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
  } catch (error) {
    await driver.stop();
    throw error;
  }
}

const launchers = {
  chromium: () => puppeteerDriver(() => launchChromium()),
  firefox: () =>
    puppeteerDriver(() =>
      puppeteer.launch({
        browser: 'firefox',
        executablePath: process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr',
        headless: true,
        timeout: LAUNCH_BOUND,
        // Firefox's real popup blocker, as in the field (puppeteer's profile turns it off).
        extraPrefsFirefox: { 'dom.disable_open_during_load': true },
      }),
    ),
  webkit: () => webkitDriver(),
};

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

const CASES = LATENCIES.flatMap((latencyMs) => [false, true].map((prefetch) => ({ latencyMs, prefetch })));

/** One engine: a warm-up click, then RUNS rounds of every case; per case p50, p95, window.open's p50, prefetched. */
async function measure(driver, host, provider) {
  const cases = [CASES[0], ...Array.from({ length: RUNS }, () => CASES).flat()];
  const { url, clicks } = host.start(cases);
  const consentBefore = provider.arrivals.length;
  await driver.open(url);
  for (let i = 0; i < cases.length; i += 1) {
    const state = () => `click ${i + 1} of ${cases.length}: ${JSON.stringify(clicks[i])}`;
    await until(
      () => clicks[i]?.ready,
      () => `the page to be ready for the next click (${state()})`,
    );
    await driver.click();
    await until(
      () => provider.arrivals.length > consentBefore + i,
      () => `the consent page to be asked for (${state()})`,
    );
    await until(
      () => clicks[i].clicked && clicks[i].open !== undefined,
      () => `the page's click report (${state()})`,
    );
    // The popup closed from outside: the flow sees it (connect-cancel) and the page re-arms itself.
    await driver.closePopups();
    const click = clicks[i];
    click.consent = provider.arrivals[consentBefore + i] - click.clicked;
    // Prefetched: this click's oauth/url request arrived between the intent and the click.
    click.prefetched = host.asks.some((at) => at >= click.intent && at < click.clicked);
  }
  return CASES.map(({ latencyMs, prefetch }) => {
    const of = clicks.slice(1).filter((click) => click.latencyMs === latencyMs && click.prefetch === prefetch);
    const times = of.map((click) => click.consent);
    const open = percentile(
      of.map((click) => click.open),
      50,
    );
    const prefetched = of.filter((click) => click.prefetched).length;
    return { latencyMs, prefetch, p50: percentile(times, 50), p95: percentile(times, 95), open, prefetched };
  });
}

const provider = await startProvider();
const host = await startHost(provider);
const rows = [];
try {
  for (const engine of ENGINES) {
    if (!launchers[engine]) throw new Error(`Unknown engine "${engine}": use ${Object.keys(launchers).join(', ')}.`);
    const driver = await launchers[engine]();
    try {
      for (const row of await measure(driver, host, provider)) {
        rows.push({ engine, ...row });
        console.error(
          `${engine} latency ${row.latencyMs} ms prefetch ${row.prefetch ? 'on' : 'off'}: p50 ${row.p50} ms, ` +
            `p95 ${row.p95} ms, window.open ${row.open.toFixed(0)} ms, prefetched ${row.prefetched}/${RUNS}`,
        );
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
console.log('| engine | Cloud Elements latency | prefetch | p50 | p95 | window.open (p50) | prefetched |');
console.log('|---|---|---|---|---|---|---|');
for (const { engine, latencyMs, prefetch, p50, p95, open, prefetched } of rows) {
  const cells = [
    engine,
    `${latencyMs} ms`,
    prefetch ? 'on' : 'off',
    p50,
    p95,
    open.toFixed(0),
    `${prefetched}/${RUNS}`,
  ];
  console.log(`| ${cells.join(' | ')} |`);
}

// The §17 targets per engine (docs/performance.md, "Prefetch"), judged on p50 against the same run's floor.
console.log('');
for (const engine of ENGINES) {
  const p50 = (latencyMs, prefetch) =>
    rows.find((row) => row.engine === engine && row.latencyMs === latencyMs && row.prefetch === prefetch)?.p50;
  if (p50(400, true) === undefined) continue;
  const floor = p50(0, true);
  const withBound = Math.max(floor + 30, 50);
  const withoutBound = Math.max(400, p50(0, false)) + 50;
  const verdict = (value, bound) =>
    `${value} ms ${value <= bound ? '≤' : '>'} ${bound} ms ${value <= bound ? 'met' : 'NOT met'}`;
  console.log(
    `${engine}: with prefetch ${verdict(p50(400, true), withBound)} (floor ${floor} ms + 30, at least 50); ` +
      `without ${verdict(p50(400, false), withoutBound)} (max(400, instant-backend ${p50(0, false)}) + 50)`,
  );
}
