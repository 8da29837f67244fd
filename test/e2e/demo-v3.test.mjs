// The demo's version-3 scenes in Chromium, with real clicks: an OAuth 1 element (Twitter) and a credentials element
// (Zoho CRM, its form filled in the popup) connect from the gallery; a change at the provider shows in the feed;
// with the host off, the delivery fails, is retried and is delivered once; a connect link opened in another browser
// context (another cookie jar) connects, and the connection appears in the first page's list.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { demoInChromium, HANG_BOUND } from '../node/support/demo-browser.mjs';
import { settledPicture } from './demo-flow.mjs';

const WAIT = { timeout: 30000 };

describe('the demo, version-3 scenes, in Chromium', () => {
  let demo;
  let browser;
  let page;
  let features;
  const logLines = [];

  demoInChromium(logLines, (started) => ({ demo, browser } = started));
  beforeEach(async () => {
    page = await (await browser.createBrowserContext()).newPage();
    await page.setViewport({ width: 1440, height: 900 });
    await page.goto(demo.url, { waitUntil: 'networkidle0' });
    await page.waitForSelector('ce-connect-button[element="sfdc"] >>> button');
    ({ features } = await page.evaluate(async () => (await fetch('/demo-api/config')).json()));
  }, HANG_BOUND);

  const hasCard = (key) => page.$(`.card[data-key="${key}"]`).then(Boolean);

  /** Clicks the card's button and resolves with the popup it opens. */
  async function openPopup(key, on = page) {
    const popup = new Promise((resolve) => on.once('popup', resolve));
    await on.click(`ce-connect-button[element="${key}"] >>> button`);
    return popup;
  }

  async function allow(consent) {
    await (await consent.waitForSelector('::-p-xpath(//button[normalize-space()="Allow"])', WAIT)).click();
  }

  /** Waits until the card's button says connected; answers its instance id. */
  async function connected(key, on = page) {
    await on.waitForFunction(
      (k) => document.querySelector(`ce-connect-button[element="${k}"]`)?.status === 'connected',
      WAIT,
      key,
    );
    await on.waitForFunction(
      (k) => document.querySelector(`.card[data-key="${k}"] .instance-id`)?.textContent,
      WAIT,
      key,
    );
    return on.$eval(`.card[data-key="${key}"] .instance-id`, (code) => code.textContent);
  }

  it('Twitter (OAuth 1) connects: request token, consent, instance — four steps lit', HANG_BOUND, async (t) => {
    if (!(await hasCard('twitter'))) return t.skip('this build of ce-connect/server has no OAuth 1 elements');
    await allow(await openPopup('twitter'));
    const id = await connected('twitter');
    assert.equal(String(demo.sandbox.instances().at(-1).id), id);
    const picture = await settledPicture(page);
    assert.equal(picture.status, 'done', JSON.stringify(picture));
    assert.deepEqual(
      picture.steps.map((step) => [step.id, step.status]),
      [
        ['token', 'done'],
        ['url', 'done'],
        ['consent', 'done'],
        ['instances', 'done'],
      ],
    );
    assert.match(picture.steps[2].checks, /oauth_token → flow ✓/);
  });

  it(
    'Zoho CRM (credentials) connects: the form in the popup, filled with the test values shown on the card',
    HANG_BOUND,
    async (t) => {
      if (!(await hasCard('zohocrm'))) return t.skip('this build of ce-connect/server has no credentials elements');
      const values = await page.$$eval('.card[data-key="zohocrm"] .test-values dd', (dds) =>
        dds.map((dd) => dd.textContent),
      );
      assert.deepEqual(values, ['demo@example.com', 'sandbox-password']);
      const form = await openPopup('zohocrm');
      await form.waitForSelector('form input[name="crm.zohocrm.username"]', WAIT);
      await form.type('input[name="crm.zohocrm.username"]', values[0]);
      await form.type('input[name="crm.zohocrm.password"]', values[1]);
      await form.click('form [type="submit"]');
      await connected('zohocrm');
      const picture = await settledPicture(page);
      assert.deepEqual(
        picture.steps.map((step) => [step.id, step.status]),
        [
          ['url', 'done'],
          ['form', 'done'],
          ['instances', 'done'],
        ],
        JSON.stringify(picture),
      );
      assert.ok(!logLines.join('\n').includes('sandbox-password'), 'the password is in no log line');
    },
  );

  it(
    'QuickBooks, Slack, SharePoint and Shopify connect with their oauth/url parameters and scopes',
    HANG_BOUND,
    async (t) => {
      const keys = [];
      for (const key of ['quickbooks', 'slack', 'sharepoint', 'shopify']) if (await hasCard(key)) keys.push(key);
      if (keys.length === 0) return t.skip('this build of ce-connect/server has no oauthUrlParameters');
      for (const key of keys) {
        await allow(await openPopup(key));
        assert.match(await connected(key), /^\d+$/, key);
      }
      const snippet = await page.evaluate(() => {
        document.querySelector('.card[data-key="quickbooks"]')?.click();
        return document.getElementById('snippet').textContent;
      });
      if (keys.includes('quickbooks'))
        assert.match(snippet, /oauthUrlParameters: \{ 'authentication\.type': 'oauth2' \}/);
    },
  );

  /** Connects Salesforce (Allow) and answers its card. */
  async function connectSalesforce() {
    await allow(await openPopup('sfdc'));
    await connected('sfdc');
    return page.$('.card[data-key="sfdc"]');
  }

  const feedLines = (kind) =>
    page.$$eval(`#feed li[data-kind="${kind}"] .feed-text`, (spans) => spans.map((s) => s.textContent));

  it('"Make a change at Salesforce": the event shows in the feed', HANG_BOUND, async (t) => {
    if (!features?.events) return t.skip('this build of ce-connect/server has no events');
    await connectSalesforce();
    await page.click('.card[data-key="sfdc"] button.change');
    await page.waitForSelector('#feed li[data-kind="event"]', WAIT);
    const [line] = await feedLines('event');
    assert.match(line, /^Salesforce · (Contact|Account|Lead|Opportunity) (CREATED|UPDATED|DELETED)$/);
    assert.match(await page.$eval('#feed li[data-kind="event"] time', (time) => time.textContent), /^\d+ s ago$/);
  });

  it('host off: the delivery fails, is retried, and is delivered once when the host is back', HANG_BOUND, async (t) => {
    if (!features?.events) return t.skip('this build of ce-connect/server has no events');
    await connectSalesforce();
    await page.click('#tab-feed');
    await page.click('#host-on');
    await page.waitForFunction(() => !document.getElementById('host-on').checked, WAIT);
    await page.waitForFunction(
      () => [...document.querySelectorAll('#log li code')].some((c) => c.textContent === '{"on":false}'),
      WAIT,
    );
    // The feed keeps the user's earlier lines (a reload shows them): count what this change adds.
    const count = (selector) => page.$$eval(`#feed li${selector}`, (items) => items.length);
    const events = await count('[data-kind="event"]');
    const delivered = await count('[data-kind="delivery"]:not(.failed)');
    await page.click('.card[data-key="sfdc"] button.change');
    await page.waitForSelector('#feed li[data-kind="delivery"].failed', WAIT);
    assert.equal(await count('[data-kind="event"]'), events, 'nothing delivered while the host is off');
    await page.click('#host-on');
    await page.waitForFunction(
      (n) => document.querySelectorAll('#feed li[data-kind="delivery"]:not(.failed)').length > n,
      WAIT,
      delivered,
    );
    const failed = await page.$$eval('#feed li[data-kind="delivery"].failed .feed-text', (spans) =>
      spans.map((s) => s.textContent),
    );
    assert.match(failed.at(-1), /^Delivery attempt 1 failed: 503, the host is off · retry in 2 s$/);
    assert.equal(await count('[data-kind="event"]'), events + 1, 'delivered once');
    const attempts = demo.sandbox.deliveries();
    assert.ok(attempts.some((d) => d.status === 503));
    assert.equal(attempts.filter((d) => d.status === 200).length, 1);
  });

  it(
    'a connect link opened in another browser context connects, and shows in the first page',
    HANG_BOUND,
    async (t) => {
      if (!features?.links) return t.skip('this build of ce-connect/server has no connect links');
      await page.select('#link-element', 'sfdc');
      await page.click('#link-make');
      await page.waitForFunction(() => document.getElementById('link-url').href.includes('/api/ce/link/'), WAIT);
      const url = await page.$eval('#link-url', (a) => a.href);
      assert.match(await page.$eval('#link-qr', (img) => img.src), /^data:image\/svg\+xml;base64,/);

      const other = await (await browser.createBrowserContext()).newPage();
      await other.goto(url, { waitUntil: 'load' });
      assert.match(await other.evaluate(() => document.body.innerText), /Acme Inc\./);
      await (await other.waitForSelector('::-p-xpath(//button[normalize-space()="Continue"])', WAIT)).click();
      await other.waitForSelector('ce-connect-button >>> button', WAIT);
      const popup = new Promise((resolve) => other.once('popup', resolve));
      await other.click('ce-connect-button >>> button');
      await allow(await popup);
      await other.waitForFunction(() => /Connected\. You can close this page\./.test(document.body.innerText), WAIT);

      const instance = demo.sandbox.instances().at(-1);
      await page.waitForFunction(
        (id) => [...document.querySelectorAll('#instances td:first-child')].some((td) => td.textContent === id),
        WAIT,
        String(instance.id),
      );
      assert.match(await page.$eval('#link-state', (p) => p.textContent), /^Used: instance \d+/);
      await other.browserContext().close();
    },
  );
});
