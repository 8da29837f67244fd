// The demo's Sign-in panel, end to end in headless Chromium with the real popup blocker on: the mode switch
// (redirect mode sends this tab to the sandbox's consent page and back; auto carries on in the tab when the
// "blocked popup" scenario refuses the popup) and the language picker (dist/i18n/{lang}.js). A redirect-mode
// round trip is two page loads, so the events are recorded in every document the tab loads.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { demoInChromium, HANG_BOUND } from '../node/support/demo-browser.mjs';

const TERMINAL = ['connected', 'connect-error'];

describe("the demo's modes and languages, end to end in Chromium", () => {
  let demo;
  let browser;
  let context;
  let page;
  let popups;
  const logLines = [];

  demoInChromium(logLines, (started) => ({ demo, browser } = started));
  beforeEach(async () => {
    context = await browser.createBrowserContext();
    page = await context.newPage();
    popups = 0;
    page.on('popup', () => (popups += 1));
    // Every document of this tab records the buttons' events from its first script on.
    await page.evaluateOnNewDocument(() => {
      window.__ceEvents = [];
      for (const type of ['connect-start', 'connect-redirect', 'connect-cancel', 'connected', 'connect-error']) {
        document.addEventListener(type, (event) => window.__ceEvents.push({ type, detail: event.detail }));
      }
    });
    await page.goto(demo.url, { waitUntil: 'networkidle0' });
    await page.waitForSelector('ce-connect-button[element="sfdc"] >>> button');
  }, HANG_BOUND);
  afterEach(async () => {
    await context?.close();
  }, HANG_BOUND);

  /** Clicks a radio of the page (mode, scenario) and waits until the page has logged the change. */
  async function choose(name, value) {
    await page.click(`input[name="${name}"][value="${value}"]`);
    const logged = JSON.stringify({ [name]: value });
    await page.waitForFunction(
      (text) => [...document.querySelectorAll('#log li code')].some((code) => code.textContent === text),
      { timeout: 10000 },
      logged,
    );
  }

  /** The events this document recorded, once a `connected` or `connect-error` is among them. */
  async function eventsUntilSettled() {
    await page.waitForFunction(
      (terminal) => window.__ceEvents.some((event) => terminal.includes(event.type)),
      { timeout: 20000 },
      TERMINAL,
    );
    return page.evaluate(() => window.__ceEvents);
  }

  /** The types in the page's own event log, oldest first. */
  function pageLog() {
    return page.$$eval('#log li .type', (types) => types.map((type) => type.textContent).reverse());
  }

  /**
   * A real click on the card's button that sends this tab to the consent page: Allow there, and back. Returns
   * what the page recorded before it left, and the page's address on the consent page.
   */
  async function roundTrip(key) {
    const leaving = page.waitForNavigation({ waitUntil: 'load' });
    await page.click(`ce-connect-button[element="${key}"] >>> button`);
    await leaving;
    const consentUrl = new URL(page.url());
    const allow = await page.waitForSelector('::-p-xpath(//button[normalize-space()="Allow"])', { timeout: 10000 });
    assert.match(await page.evaluate(() => document.body.innerText), /Acme Analytics/);
    const back = page.waitForNavigation({ waitUntil: 'load' });
    await allow.click();
    await back;
    return { consentUrl };
  }

  /** Checks the page the tab came back to: the same demo page, the button connected, the list refreshed. */
  async function assertBackConnected(key, mode) {
    assert.equal(page.url(), demo.url, 'back on the page it left, with the fragment gone');
    const seen = await eventsUntilSettled();
    const result = seen.find((event) => TERMINAL.includes(event.type));
    assert.equal(result.type, 'connected', JSON.stringify(seen));
    const [instance] = demo.sandbox.instances();
    assert.equal(result.detail.instanceId, String(instance.id));
    await page.waitForSelector(`ce-connect-button[element="${key}"][status="connected"]`, { timeout: 5000 });
    await page.waitForFunction(
      (id) => [...document.querySelectorAll('#instances td:first-child')].some((td) => td.textContent === id),
      { timeout: 5000 },
      result.detail.instanceId,
    );
    // The page is as the prospect left it: the same mode on the switch and on every button.
    assert.equal(await page.$eval(`input[name="mode"][value="${mode}"]`, (input) => input.checked), true);
    assert.deepEqual(
      [...new Set(await page.$$eval('ce-connect-button', (buttons) => buttons.map((b) => b.getAttribute('mode'))))],
      [mode],
    );
    // No code and no token in the page the tab came back to, nor in the server's log.
    const html = await page.evaluate(
      () =>
        location.href +
        document.documentElement.outerHTML +
        [...document.querySelectorAll('ce-connect-button')].map((b) => b.shadowRoot.innerHTML).join(''),
    );
    assert.ok(!html.includes(instance.token));
    assert.ok(!logLines.join('\n').includes(instance.token));
    assert.equal(
      await page.evaluate(() => sessionStorage.getItem('ce-connect:pending')),
      null,
      'the pending record is used up',
    );
    return result.detail;
  }

  it(
    'redirect mode: the tab goes to the consent page and comes back connected, the page as it was',
    HANG_BOUND,
    async () => {
      await choose('mode', 'redirect');
      assert.deepEqual(
        [...new Set(await page.$$eval('ce-connect-button', (buttons) => buttons.map((b) => b.getAttribute('mode'))))],
        ['redirect'],
      );
      const { consentUrl } = await roundTrip('sfdc');
      assert.equal(consentUrl.origin, new URL(demo.sandboxUrl).origin, 'the consent page is on the sandbox origin');
      const detail = await assertBackConnected('sfdc', 'redirect');
      assert.deepEqual(Object.keys(detail).sort(), ['element', 'instanceId', 'name']);
      assert.equal(popups, 0);
      // The page's log came back with it: the click and the leaving before the page load, the result after it.
      assert.deepEqual(await pageLog(), ['mode', 'connect-start', 'connect-redirect', 'back', 'connected']);
    },
  );

  it('redirect mode: a reconnect goes and comes back for the same instance', HANG_BOUND, async () => {
    await choose('mode', 'redirect');
    await roundTrip('hubspot');
    const first = await assertBackConnected('hubspot', 'redirect');
    // The page renders the card's button with its instance-id again, which is how the result finds its button.
    await page.waitForSelector(`ce-connect-button[element="hubspot"][instance-id="${first.instanceId}"]`);
    await page.evaluate(() => (window.__ceEvents = []));
    await roundTrip('hubspot');
    const second = await assertBackConnected('hubspot', 'redirect');
    assert.deepEqual(second, {
      element: 'hubspot',
      instanceId: first.instanceId,
      name: second.name,
      reconnected: true,
    });
    assert.equal(demo.sandbox.instances().length, 1, 'no new instance');
  });

  it(
    'redirect mode: Back from the consent page, and the button is free again (a page restored from the back/forward cache)',
    HANG_BOUND,
    async () => {
      await choose('mode', 'redirect');
      await page.evaluate(() => (window.__sameDocument = true));
      const leaving = page.waitForNavigation({ waitUntil: 'load' });
      await page.click('ce-connect-button[element="box"] >>> button');
      await leaving;
      await page.waitForSelector('::-p-xpath(//button[normalize-space()="Allow"])', { timeout: 10000 });
      await page.goBack({ waitUntil: 'load' });
      assert.equal(page.url(), demo.url);
      assert.equal(
        await page.evaluate(() => window.__sameDocument),
        true,
        'Chromium showed the page it left again, from its back/forward cache',
      );
      await page.waitForSelector('ce-connect-button[element="box"][status="idle"]', { timeout: 5000 });
      assert.deepEqual(await pageLog(), ['mode', 'connect-start', 'connect-redirect', 'back', 'connect-cancel']);
      assert.deepEqual(await page.evaluate(() => window.__ceEvents.at(-1)), {
        type: 'connect-cancel',
        detail: { element: 'box', reason: 'aborted' },
      });
      assert.equal(demo.sandbox.instances().length, 0);
      // A new click goes again.
      await roundTrip('box');
      await assertBackConnected('box', 'redirect');
    },
  );

  it(
    'auto mode with the blocked-popup scenario: the same click carries on in this tab and comes back connected',
    HANG_BOUND,
    async () => {
      await choose('scenario', 'blocked');
      await choose('mode', 'auto');
      assert.match(await page.$eval('#scenario-note', (note) => note.textContent), /auto mode carries on in this tab/);
      await roundTrip('box');
      await assertBackConnected('box', 'auto');
      assert.equal(popups, 0, 'the blocker refused the popup: none was opened');
      // The scenario is the server's: still armed on the page that came back.
      assert.equal(await page.$eval('input[name="scenario"][value="blocked"]', (input) => input.checked), true);
    },
  );

  it('auto mode with a popup allowed: a popup, and the page stays', HANG_BOUND, async () => {
    await choose('mode', 'auto');
    const url = page.url();
    const popup = new Promise((resolve) => page.once('popup', resolve));
    await page.click('ce-connect-button[element="sfdc"] >>> button');
    await (
      await (await popup).waitForSelector('::-p-xpath(//button[normalize-space()="Allow"])', { timeout: 10000 })
    ).click();
    const seen = await eventsUntilSettled();
    assert.deepEqual(
      seen.map((event) => event.type),
      ['connect-start', 'connected'],
    );
    assert.equal(page.url(), url);
  });

  it('the language picker: German labels at once, kept across a reload and a redirect', HANG_BOUND, async () => {
    await page.select('#language', 'de');
    await page.waitForFunction(() => document.getElementById('gallery').lang === 'de', { timeout: 10000 });
    const label = (key) =>
      page.$eval(`ce-connect-button[element="${key}"]`, (b) =>
        (b.textContent.trim() || b.shadowRoot.querySelector('slot').textContent).trim(),
      );
    await page.waitForFunction(
      () =>
        document.querySelector('ce-connect-button[element="sfdc"]').shadowRoot.querySelector('slot').textContent ===
        'Mit Salesforce verbinden',
      { timeout: 5000 },
    );
    // An element the widget has no name for: the page's slotted label speaks German too.
    assert.equal(await label('shopify'), 'Mit Shopify verbinden');
    assert.match(await page.$eval('#snippet', (code) => code.textContent), /dist\/i18n\/de\.js/);

    await page.reload({ waitUntil: 'networkidle0' });
    await page.waitForSelector('ce-connect-button[element="sfdc"] >>> button');
    assert.equal(await page.$eval('#language', (select) => select.value), 'de');
    assert.equal(await label('sfdc'), 'Mit Salesforce verbinden');

    await choose('mode', 'redirect');
    await roundTrip('sfdc');
    await assertBackConnected('sfdc', 'redirect');
    assert.equal(await label('sfdc'), 'Mit Salesforce verbunden');
    assert.equal(
      await page.$eval(
        'ce-connect-button[element="sfdc"]',
        (b) => b.shadowRoot.querySelector('[part="status"]').textContent,
      ),
      'Verbunden. Klicken, um erneut zu verbinden.',
    );

    await page.select('#language', 'ja');
    await page.waitForFunction(
      () =>
        document.querySelector('ce-connect-button[element="sfdc"]').shadowRoot.querySelector('slot').textContent ===
        'Salesforce に接続済み',
      { timeout: 5000 },
    );
    await page.select('#language', 'en');
    await page.waitForFunction(
      () =>
        document.querySelector('ce-connect-button[element="sfdc"]').shadowRoot.querySelector('slot').textContent ===
        'Connected to Salesforce',
      { timeout: 5000 },
    );
  });
});
