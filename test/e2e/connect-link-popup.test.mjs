// A connect link (docs/connect-links.md) completes in POPUP mode in Chromium, Firefox and WebKit, each with its
// real popup blocker on: the demo (what `npm start` runs) makes a link for its signed-in user; a browser that never
// saw the demo (no host session) opens the link, clicks Continue and the button for real (CDP
// Input.dispatchMouseEvent, WebDriver BiDi input actions, a WebDriver element click: user gestures), so the popup
// opens; the provider's consent page in it (another origin) gets a real click on Allow, the handler's callback page
// posts the result back, and the link page — never left — says "Connected. You can close this page.". The
// instance is created once, for the link's owner; the second use of the link shows that it was used and creates
// nothing. (The browser suite, test/connect-links.test.ts, covers redirect mode and the refusals.)
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, beforeEach, describe, it } from 'node:test';
import puppeteer from 'puppeteer-core';
import { startDemo } from '../../demo/server.mjs';
import { launchChromium } from '../../tools/chromium.mjs';
import { HANG_BOUND, resetDemo } from '../node/support/demo-browser.mjs';
import { missingWebKit, startWebKitDriver, WEBKIT_INSTALL_HINT } from '../support/webkit-driver.mjs';
import { webDriver } from './webdriver.mjs';

/** Waits that only turn a hang into a failure (a loaded 2-core machine is slow, not stuck). */
const WAIT = { timeout: 60_000 };
const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
/** The link's owner: the demo's second user, so that it cannot be the user a browser without a session gets. */
const OWNER = 'bob';
const CONNECTED = 'Connected. You can close this page.';
/** Set on the button page before the click: a page that left for the provider (redirect mode) comes back without it. */
const MARK = 'window.__linkPageKept = true';
const KEPT = 'window.__linkPageKept === true';

let demo;
const logLines = [];
before(async () => {
  demo = await startDemo({ port: 0, env: {}, log: (line) => logLines.push(line) });
}, HANG_BOUND);
after(() => demo?.close(), HANG_BOUND);

/** A demo request as `cookie`'s user (the X-CE-Connect header the demo asks of every non-GET). */
async function asUser(cookie, path, init = {}) {
  const response = await fetch(new URL(path, demo.url), {
    ...init,
    headers: { Cookie: cookie, 'X-CE-Connect': '1', 'Content-Type': 'application/json', ...init.headers },
  });
  const body = await response.json();
  assert.ok(response.ok, `${path}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

/** What the demo page does for its signed-in user: signs in as OWNER, then "Send a connect link" for Salesforce. */
async function makeLink() {
  const first = await fetch(demo.url);
  await first.arrayBuffer();
  const session = first.headers.getSetCookie().map((cookie) => cookie.split(';')[0]);
  const signedIn = await fetch(new URL('/demo-api/user', demo.url), {
    method: 'POST',
    headers: { Cookie: session.join('; '), 'X-CE-Connect': '1', 'Content-Type': 'application/json' },
    body: JSON.stringify({ user: OWNER }),
  });
  assert.equal(signedIn.status, 200, await signedIn.text());
  const cookie = signedIn.headers.getSetCookie()[0].split(';')[0];
  const link = await asUser(cookie, '/demo-api/links', {
    method: 'POST',
    body: JSON.stringify({ element: 'sfdc', inviter: 'Acme Inc.' }),
  });
  assert.match(link.url, /\/api\/ce\/link\/[\w.-]+$/);
  return { ...link, ownerCookie: cookie };
}

/** The instance was created once, for the link's owner, through that link. */
async function createdOnceForOwner(link) {
  const instances = demo.sandbox.instances();
  assert.equal(instances.length, 1, 'one instance at Cloud Elements');
  const id = String(instances[0].id);
  const { owner, element } = demo.tokens.get(id) ?? {};
  assert.deepEqual({ owner, element }, { owner: OWNER, element: 'sfdc' }, "the host stored it as the link owner's");
  assert.deepEqual(await madeThrough(link), [id]);
}

/** The instances the owner's own feed (the demo's onInstanceCreated) says were made through `link`. */
async function madeThrough(link) {
  const { items } = await asUser(link.ownerCookie, '/demo-api/feed');
  return items.filter((item) => item.kind === 'instance' && item.link === link.id).map((item) => item.instanceId);
}

/** The second use of a spent link: the page says so, offers nothing, and nothing more is created. */
async function secondUseCreatesNothing(link, { heading, hasFormOrButton }) {
  assert.match(heading, /already been used/);
  assert.equal(hasFormOrButton, false, 'no Continue form and no button on a spent link');
  // Confirming it anyway (the form's POST, replayed) is refused as well.
  const replay = await fetch(link.url, { method: 'POST', redirect: 'manual' });
  await replay.arrayBuffer();
  assert.equal(replay.status, 410);
  assert.equal(demo.sandbox.instances().length, 1, 'still one instance');
  assert.equal((await madeThrough(link)).length, 1, 'still one instance made through the link');
  assert.ok(!logLines.join('\n').includes(new URL(link.url).pathname.split('/').at(-1)), 'the token in no log line');
}

/** The confirm step says who asks, for which app and provider, and for which account. */
function assertInvitation(text) {
  assert.match(text, /Acme Inc\. asks you to connect Salesforce to Acme Analytics \(demo\)\./);
  assert.match(text, new RegExp(`account ${OWNER}\\b`));
}

/** The button page, reached with no host session: its URL holds no token, the browser no demo session cookie. */
function assertButtonPageWithoutSession(url, cookies) {
  assert.equal(new URL(url).pathname, '/api/ce/link', 'the button page; no URL holds the token now');
  assert.ok(!cookies.some((cookie) => cookie.name === 'demo-session'), 'no host session in this browser');
}

/** What the page shows, as expressions for puppeteer's evaluate and (after `return`) WebDriver's execute. */
const HEADING = 'document.querySelector("h1")?.textContent ?? ""';
const FORM_OR_BUTTON = 'Boolean(document.querySelector("form, ce-connect-button"))';

/** The same flow in an engine puppeteer drives (Chromium over CDP, Firefox over WebDriver BiDi). */
function popupModeWithPuppeteer(engine, launch) {
  let browser;
  before(async () => {
    browser = await launch();
  }, HANG_BOUND);
  after(() => browser?.close(), HANG_BOUND);
  beforeEach(() => resetDemo(demo), HANG_BOUND);

  it(
    `${engine}: a connect link completes in POPUP mode, once, for its owner, with no host session`,
    HANG_BOUND,
    async () => {
      const link = await makeLink();
      // A browser context of its own: another person's browser, which never saw the demo page.
      const context = await browser.createBrowserContext();
      try {
        const page = await context.newPage();
        await page.goto(link.url, { waitUntil: 'load' });
        assertInvitation(await page.evaluate(() => document.body.innerText));
        await (await page.waitForSelector('::-p-xpath(//button[normalize-space()="Continue"])', WAIT)).click();
        await page.waitForSelector('ce-connect-button >>> button', WAIT);
        assertButtonPageWithoutSession(page.url(), await context.cookies());

        await page.evaluate(MARK);
        // The popup, or a failure as soon as the link page leaves for the provider (redirect mode).
        const navigations = [];
        const popupOpened = new Promise((resolve, reject) => {
          page.once('popup', resolve);
          page.on('framenavigated', (frame) => {
            if (frame !== page.mainFrame()) return;
            navigations.push(frame.url());
            reject(new Error(`no popup: the link page went on in redirect mode, to ${frame.url()}`));
          });
        });
        await page.click('ce-connect-button >>> button'); // a real click: the popup opens in it
        const popup = await popupOpened;
        const allow = await popup.waitForSelector('::-p-xpath(//button[normalize-space()="Allow"])', WAIT);
        assert.equal(new URL(popup.url()).origin, new URL(demo.sandboxUrl).origin, 'the provider page, in the popup');
        assert.equal(await popup.evaluate(() => window.opener !== null), true, 'the provider page is a popup');
        await allow.click();
        await page.waitForFunction(
          (text) => document.getElementById('ce-link-status')?.textContent === text,
          WAIT,
          CONNECTED,
        );
        assert.deepEqual(navigations, [], 'the link page never navigated: not redirect mode');
        assert.equal(await page.evaluate(KEPT), true, 'the same link page document all along');
        await createdOnceForOwner(link);

        await page.goto(link.url, { waitUntil: 'load' });
        await secondUseCreatesNothing(link, {
          heading: await page.evaluate(HEADING),
          hasFormOrButton: await page.evaluate(FORM_OR_BUTTON),
        });
      } finally {
        await context.close().catch(() => undefined);
      }
    },
  );
}

describe('a connect link in popup mode, in Chromium', () => {
  popupModeWithPuppeteer('Chromium', launchChromium);
});

const noFirefox = !existsSync(FIREFOX) && `Firefox not found at ${FIREFOX} (apt-get install firefox-esr)`;
describe('a connect link in popup mode, in Firefox', { skip: noFirefox }, () => {
  popupModeWithPuppeteer('Firefox', () =>
    puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX,
      headless: true,
      // puppeteer turns Firefox's popup blocker off; the popup must pass the real one.
      extraPrefsFirefox: { 'dom.disable_open_during_load': true },
    }),
  );
});

const noWebKit = missingWebKit();
describe(
  'a connect link in popup mode, in WebKit',
  { skip: noWebKit.length > 0 && `${noWebKit.join(', ')} not found (${WEBKIT_INSTALL_HINT})` },
  () => {
    let driver;
    let session;
    before(async () => {
      driver = await startWebKitDriver();
    }, HANG_BOUND);
    after(async () => {
      await session?.delete().catch(() => undefined);
      await driver?.stop();
    }, HANG_BOUND);
    beforeEach(() => resetDemo(demo), HANG_BOUND);

    it(
      'WebKit: a connect link completes in POPUP mode, once, for its owner, with no host session',
      HANG_BOUND,
      async () => {
        const link = await makeLink();
        // A new session: a fresh MiniBrowser that never saw the demo page.
        session = await webDriver(`http://127.0.0.1:${driver.port}`).newSession();
        const main = await session.window();
        await session.navigate(link.url);
        assertInvitation(await session.execute('return document.body.innerText'));
        await session.click(await session.find('xpath', '//button[normalize-space()="Continue"]'));
        /** Polls `find` until it finds something (an element not there yet is no failure). */
        const soon = (find, what) => session.until(() => find().catch(() => undefined), what, WAIT.timeout);
        const button = await soon(() => session.findInShadow('ce-connect-button', 'button'), 'the button page');
        assertButtonPageWithoutSession(await session.url(), await session.cookies());

        await session.execute(MARK);
        await session.click(button); // a real click: WebKit sees a user gesture, and the popup opens in it
        const popup = await session.until(
          async () => {
            const handle = (await session.windows()).find((each) => each !== main);
            if (!handle && !(await session.execute(`return ${KEPT}`)))
              throw new Error(`no popup: the link page went on in redirect mode, to ${await session.url()}`);
            return handle;
          },
          'the popup',
          WAIT.timeout,
        );
        await session.switchTo(popup);
        const allow = await soon(
          () => session.find('xpath', '//button[normalize-space()="Allow"]'),
          'the Allow button of the provider page',
        );
        assert.equal(
          new URL(await session.url()).origin,
          new URL(demo.sandboxUrl).origin,
          'the provider page, in the popup',
        );
        assert.equal(await session.execute('return window.opener !== null'), true, 'the provider page is a popup');
        await session.click(allow);
        await session.switchTo(main);
        await session.until(
          () =>
            session.execute(
              `return document.getElementById('ce-link-status')?.textContent === ${JSON.stringify(CONNECTED)}`,
            ),
          'the link page saying it is connected',
          WAIT.timeout,
        );
        assert.equal(new URL(await session.url()).pathname, '/api/ce/link');
        assert.equal(await session.execute(`return ${KEPT}`), true, 'the link page never navigated: not redirect mode');
        await createdOnceForOwner(link);

        await session.navigate(link.url);
        await secondUseCreatesNothing(link, {
          heading: await session.execute(`return ${HEADING}`),
          hasFormOrButton: await session.execute(`return ${FORM_OR_BUTTON}`),
        });
      },
    );
  },
);
