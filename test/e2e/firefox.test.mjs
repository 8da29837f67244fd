// The demo end to end in Firefox (Debian's firefox-esr, driven by puppeteer-core over WebDriver BiDi), with
// Firefox's real popup blocker on: a real click on the button, then Allow / Deny on the sandbox's consent
// page (another origin), and the COOP scenario. Skipped when Firefox is not installed.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import puppeteer from 'puppeteer-core';
import { startDemo } from '../../demo/server.mjs';
import { HANG_BOUND, eventsUntilSettled, nextOutcome, resetDemo } from '../node/support/demo-browser.mjs';

const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
const skip = existsSync(FIREFOX)
  ? false
  : `Firefox not found at ${FIREFOX} (apt-get install firefox-esr, or set FIREFOX_PATH)`;

describe('the demo, end to end in Firefox', { skip }, () => {
  let demo;
  let browser;
  let page;
  let context;

  /**
   * A page in a fresh browser context. Firefox's remote agent sometimes refuses browsingContext.create while
   * the previous test's popup is closing ("no such frame … BrowsingContext does no longer exist"): try again, up to three times.
   */
  async function freshPage() {
    for (let attempt = 1; ; attempt++) {
      const fresh = await browser.createBrowserContext();
      try {
        return { context: fresh, page: await fresh.newPage() };
      } catch (error) {
        await fresh.close().catch(() => undefined);
        if (attempt >= 3 || !/no such frame/.test(error.message)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  before(async () => {
    demo = await startDemo({ port: 0, env: {}, log: () => undefined });
    browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX,
      headless: true,
      // puppeteer turns Firefox's popup blocker off; the widget must pass the real one.
      extraPrefsFirefox: { 'dom.disable_open_during_load': true },
    });
  }, HANG_BOUND);
  after(async () => {
    await browser?.close();
    await demo?.close();
  }, HANG_BOUND);
  describe('a real click on the Salesforce button, then the consent page', () => {
    beforeEach(async () => {
      await resetDemo(demo);
      ({ context, page } = await freshPage());
      await page.goto(demo.url, { waitUntil: 'load' });
      await page.waitForSelector('ce-connect-button[element="sfdc"] >>> button');
    }, HANG_BOUND);
    afterEach(async () => {
      await context?.close().catch(() => undefined);
      context = undefined;
    }, HANG_BOUND);

    /** Clicks the Salesforce button for real; answers the consent page with `choice` ("Allow", "Deny") unless null. */
    async function connectSalesforce(choice) {
      const popup = new Promise((resolve) => page.once('popup', resolve));
      const outcome = nextOutcome(page);
      await page.click('ce-connect-button[element="sfdc"] >>> button');
      const consent = await popup;
      const sandboxOrigin = new URL(demo.sandboxUrl).origin;
      let severed;
      if (choice) {
        const button = await consent.waitForSelector(`::-p-xpath(//button[normalize-space()="${choice}"])`, {
          timeout: 10000,
        });
        assert.equal(new URL(consent.url()).origin, sandboxOrigin, 'the consent page is on the sandbox origin');
        assert.match(await consent.evaluate(() => document.body.innerText), /Salesforce/);
        severed = await consent.evaluate(() => window.opener === null);
        await button.click();
      }
      return { outcome, consent, severed };
    }

    it("a real click, Allow on the consent page: connected with the sandbox's instance id", HANG_BOUND, async () => {
      const before = demo.sandbox.instances().length;
      const { outcome, severed } = await connectSalesforce('Allow');
      assert.equal(severed, false, 'without COOP the consent page keeps its opener');
      const result = await outcome;
      assert.equal(result.type, 'connected', JSON.stringify(result));
      const created = demo.sandbox.instances();
      assert.equal(created.length, before + 1);
      assert.equal(result.detail.instanceId, String(created.at(-1).id));
      assert.equal(await page.$eval('ce-connect-button[element="sfdc"]', (b) => b.getAttribute('status')), 'connected');
    });

    it('Deny on the consent page ends in provider-denied, and nothing is created', HANG_BOUND, async () => {
      const before = demo.sandbox.instances().length;
      const { outcome } = await connectSalesforce('Deny');
      const result = await outcome;
      assert.equal(result.type, 'connect-error', JSON.stringify(result));
      assert.equal(result.detail.code, 'provider-denied');
      assert.equal(demo.sandbox.instances().length, before);
    });

    it('the COOP scenario (the consent page severs the opener) still ends in connected', HANG_BOUND, async (t) => {
      await page.evaluate(async () => {
        await fetch('/demo-api/scenario', {
          method: 'POST',
          headers: { 'X-CE-Connect': '1' },
          body: JSON.stringify({ scenario: 'coop' }),
        });
      });
      const before = demo.sandbox.instances().length;
      const events = eventsUntilSettled(page);
      const { severed } = await connectSalesforce('Allow');
      assert.equal(severed, true, 'Firefox applied COOP: the consent page has no opener');
      const seen = await events;
      t.diagnostic(`events: ${seen.map((e) => e.detail.reason ?? e.type).join(', ')}`);
      assert.equal(seen.at(-1).type, 'connected', JSON.stringify(seen));
      // At most a popup-closed cancel before it (docs/protocol.md §3.2), nothing else.
      for (const event of seen.slice(0, -1))
        assert.deepEqual(event, { type: 'connect-cancel', detail: { element: 'sfdc', reason: 'popup-closed' } });
      assert.equal(seen.at(-1).detail.instanceId, String(demo.sandbox.instances().at(-1).id));
      assert.equal(demo.sandbox.instances().length, before + 1);
    });
  });

  it('the real popup blocker is on: a click without a user gesture ends in popup-blocked', HANG_BOUND, async (t) => {
    // puppeteer's evaluate() grants the page a user activation (WebDriver BiDi userActivation), so the
    // gesture-less click runs from a preload script and reports on the console; nothing is evaluated before it.
    const { context: own, page: bare } = await freshPage();
    t.after(() => own.close().catch(() => undefined));
    await bare.evaluateOnNewDocument(() => {
      addEventListener('load', async () => {
        // demo.js renders the buttons after fetching its config.
        let host;
        while (!(host = document.querySelector('ce-connect-button[element="sfdc"]')))
          await new Promise((resolve) => setTimeout(resolve, 50));
        await host.updateComplete;
        for (const type of ['connected', 'connect-error', 'connect-cancel']) {
          document.addEventListener(
            type,
            (event) => console.log(`outcome ${JSON.stringify({ type, detail: event.detail })}`),
            {
              once: true,
            },
          );
        }
        host.shadowRoot.querySelector('button').click();
      });
    });
    const logged = new Promise((resolve) =>
      bare.on(
        'console',
        (message) => message.text().startsWith('outcome ') && resolve(JSON.parse(message.text().slice(8))),
      ),
    );
    let popups = 0;
    bare.on('popup', () => popups++);
    await bare.goto(demo.url, { waitUntil: 'load' });
    const result = await logged;
    assert.equal(result.type, 'connect-error', JSON.stringify(result));
    assert.equal(result.detail.code, 'popup-blocked');
    assert.equal(popups, 0);
  });
});
