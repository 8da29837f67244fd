// The demo's live sequence picture in Firefox (puppeteer over WebDriver BiDi) and WebKit (WebKitWebDriver): a real
// click and Allow light the three steps in order, each with a time; a Deny stops the picture at the consent step
// with its reason. (Chromium: demo-picture.test.mjs.) Each engine is skipped when it is not installed.
import assert from 'node:assert/strict';
import { HANG_BOUND } from '../node/support/demo-browser.mjs';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import puppeteer from 'puppeteer-core';
import { startDemo } from '../../demo/server.mjs';
import { missingWebKit, startWebKitDriver, WEBKIT_INSTALL_HINT } from '../support/webkit-driver.mjs';
import { READ_PICTURE, SETTLED_AFTER, STEP_TIME, readPicture, settledPicture } from './demo-flow.mjs';
import { webDriver } from './webdriver.mjs';

const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
const missing = missingWebKit();

/** The checks of an Allow flow's picture, the same in every engine. */
function assertLitInOrder(picture) {
  assert.equal(picture.status, 'done', JSON.stringify(picture));
  assert.deepEqual(
    picture.steps.map(({ id, status, lit }) => [id, status, lit]),
    [
      ['url', 'done', 1],
      ['consent', 'done', 2],
      ['instances', 'done', 3],
    ],
  );
  for (const step of picture.steps) assert.match(step.time, STEP_TIME, step.id);
  assert.match(picture.steps[1].checks, /owner alice ✓/);
}

/** The checks of a denied flow's picture. */
function assertStoppedAtConsent(picture) {
  assert.equal(picture.status, 'failed', JSON.stringify(picture));
  assert.deepEqual(
    picture.steps.map((step) => step.status),
    ['done', 'failed', 'skipped'],
  );
  assert.match(picture.steps[1].reason, /error=access_denied/);
}

describe(
  'the sequence picture in Firefox',
  { skip: existsSync(FIREFOX) ? false : `Firefox not found at ${FIREFOX}` },
  () => {
    let demo;
    let browser;
    let page;
    before(async () => {
      demo = await startDemo({ port: 0, env: {}, log: () => undefined });
      browser = await puppeteer.launch({
        browser: 'firefox',
        executablePath: FIREFOX,
        headless: true,
        extraPrefsFirefox: { 'dom.disable_open_during_load': true },
      });
      page = await browser.newPage();
      await page.goto(demo.url, { waitUntil: 'load' });
      await page.waitForSelector('#flow-steps[data-status="idle"] li.step');
      await page.waitForSelector('ce-connect-button[element="sfdc"] >>> button');
    });
    after(async () => {
      await browser?.close();
      await demo?.close();
    });

    async function clickThrough(key, choice) {
      const popup = new Promise((resolve) => page.once('popup', resolve));
      await page.click(`ce-connect-button[element="${key}"] >>> button`);
      const consent = await popup;
      await (
        await consent.waitForSelector(`::-p-xpath(//button[normalize-space()="${choice}"])`, { timeout: 10000 })
      ).click();
    }

    it(
      'Allow lights the three steps in order, each with a time; Deny stops at consent with its reason',
      HANG_BOUND,
      async () => {
        await clickThrough('sfdc', 'Allow');
        const allowed = await settledPicture(page);
        assertLitInOrder(allowed);
        await clickThrough('hubspot', 'Deny');
        assertStoppedAtConsent(await settledPicture(page, allowed.flow));
        assert.ok((await readPicture(page)).steps.every((step) => step.focusable));
      },
    );
  },
);

describe(
  'the sequence picture in WebKit',
  { skip: missing.length ? `${missing.join(', ')} not found (${WEBKIT_INSTALL_HINT})` : false },
  () => {
    let demo;
    let driver;
    let session;
    let main;
    before(async () => {
      demo = await startDemo({ port: 0, env: {}, log: () => undefined });
      driver = await startWebKitDriver();
      session = await webDriver(`http://127.0.0.1:${driver.port}`).newSession();
      main = await session.window();
      await session.navigate(demo.url);
      await session.until(
        () => session.execute(`return document.getElementById('flow-steps')?.dataset.status === 'idle'`),
        'the idle picture',
      );
    });
    after(async () => {
      await session?.delete().catch(() => undefined);
      await driver?.stop();
      await demo?.close();
    });

    /** A real click (a user gesture in WebKit), the consent popup's `choice`, back to the page; the settled picture. */
    async function clickThrough(key, choice, previous = 'idle') {
      await session.until(
        () =>
          session.execute(
            `return !!document.querySelector('ce-connect-button[element="${key}"]')?.shadowRoot?.querySelector('button')`,
          ),
        key,
      );
      await session.click(await session.findInShadow(`ce-connect-button[element="${key}"]`, 'button'));
      const popup = await session.until(
        async () => (await session.windows()).find((handle) => handle !== main),
        'the popup',
        10000,
      );
      await session.switchTo(popup);
      const button = await session.until(
        () => session.find('xpath', `//button[normalize-space()="${choice}"]`).catch(() => undefined),
        choice,
      );
      await session.click(button);
      await session.switchTo(main);
      await session.until(() => session.execute(SETTLED_AFTER, previous), 'the settled picture', 20000);
      return session.execute(READ_PICTURE);
    }

    it(
      'Allow lights the three steps in order, each with a time; Deny stops at consent with its reason',
      HANG_BOUND,
      async () => {
        const allowed = await clickThrough('sfdc', 'Allow');
        assertLitInOrder(allowed);
        assertStoppedAtConsent(await clickThrough('hubspot', 'Deny', allowed.flow));
      },
    );
  },
);
