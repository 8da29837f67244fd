// The demo as a newcomer uses it: `startDemo` (what `npm start` runs) on the embedded sandbox, driven in
// headless Chromium with real clicks — the button, then the sandbox consent page's Allow / Deny.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startDemo } from '../../demo/server.mjs';
import { eventsUntilSettled, launchChromium, nextOutcome } from './browser.mjs';

describe('the demo, end to end in Chromium', { timeout: 60000 }, () => {
  let demo;
  let browser;
  let page;
  const logLines = [];

  before(async () => {
    demo = await startDemo({ port: 0, env: {}, log: (line) => logLines.push(line) });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await demo?.close();
  });
  beforeEach(async () => {
    await fetch(new URL('/demo-api/scenario', demo.url), { method: 'POST', headers: { 'X-CE-Connect': '1', Host: new URL(demo.url).host }, body: JSON.stringify({ scenario: 'normal' }) });
    page = await (await browser.createBrowserContext()).newPage();
    await page.goto(demo.url, { waitUntil: 'networkidle0' });
    await page.waitForSelector('ce-connect-button[element="sfdc"] >>> button');
  });

  /** Clicks the Salesforce button and answers the consent page with `choice` ("Allow" or "Deny"). */
  async function connectSalesforce(choice) {
    const popup = new Promise((resolve) => page.once('popup', resolve));
    const outcome = nextOutcome(page);
    await page.click('ce-connect-button[element="sfdc"] >>> button');
    const consent = await popup;
    if (choice) {
      const button = await consent.waitForSelector(`::-p-xpath(//button[normalize-space()="${choice}"])`, { timeout: 10000 });
      const text = await consent.evaluate(() => document.body.innerText);
      assert.match(text, /Salesforce/);
      assert.match(text, /Acme Analytics/);
      await button.click();
    }
    return { result: await outcome, consent };
  }

  async function setScenario(scenario) {
    await page.evaluate(async (name) => {
      await fetch('/demo-api/scenario', { method: 'POST', headers: { 'X-CE-Connect': '1' }, body: JSON.stringify({ scenario: name }) });
      document.querySelector(`input[name="scenario"][value="${name}"]`)?.click();
    }, scenario);
  }

  it('a real click, Allow on the consent page: connected with the sandbox\'s instance id, listed as connected', async () => {
    const before = demo.sandbox.instances().length;
    const { result } = await connectSalesforce('Allow');
    assert.equal(result.type, 'connected');
    assert.deepEqual(Object.keys(result.detail).sort(), ['element', 'instanceId', 'name']);
    // The page's instance-name reached Cloud Elements although flow 4a creates the instance from a redirect.
    assert.equal(result.detail.name, 'Salesforce — demo');
    const created = demo.sandbox.instances();
    assert.equal(created.length, before + 1);
    assert.equal(result.detail.instanceId, String(created.at(-1).id));
    await page.waitForFunction((id) => [...document.querySelectorAll('#instances td:first-child')].some((td) => td.textContent === id), { timeout: 5000 }, result.detail.instanceId);
    // The Element Token stays on the server: not in the page, not in any log line.
    const html = await page.evaluate(() => document.documentElement.outerHTML + JSON.stringify([...document.querySelectorAll('ce-connect-button')].map((b) => b.shadowRoot.innerHTML)));
    assert.ok(!html.includes(created.at(-1).token));
    assert.ok(!logLines.join('\n').includes(created.at(-1).token));
    assert.equal(await page.$eval('ce-connect-button[element="sfdc"]', (b) => b.getAttribute('status')), 'connected');
  });

  it('Deny on the consent page ends in provider-denied, and nothing is created', async () => {
    const before = demo.sandbox.instances().length;
    const { result } = await connectSalesforce('Deny');
    assert.equal(result.type, 'connect-error');
    assert.equal(result.detail.code, 'provider-denied');
    assert.equal(demo.sandbox.instances().length, before);
  });

  it('the COOP scenario (the consent page severs the opener) still ends in connected', async () => {
    await setScenario('coop');
    const before = demo.sandbox.instances().length;
    const events = eventsUntilSettled(page);
    const { consent } = await connectSalesforce(null);
    const allow = await consent.waitForSelector('::-p-xpath(//button[normalize-space()="Allow"])', { timeout: 10000 });
    await allow.click();
    const seen = await events;
    const last = seen.at(-1);
    assert.equal(last.type, 'connected', JSON.stringify(seen));
    assert.equal(last.detail.instanceId, String(demo.sandbox.instances().at(-1).id));
    assert.equal(demo.sandbox.instances().length, before + 1);
  });

  it('the backend-error scenario ends in connect-error backend, with the server\'s message', async () => {
    await setScenario('error');
    const { result } = await connectSalesforce(null);
    assert.equal(result.type, 'connect-error');
    assert.equal(result.detail.code, 'backend');
    assert.equal(result.detail.status, 502);
  });

  it('the blocked-popup scenario ends in popup-blocked without a backend call', async () => {
    await setScenario('blocked');
    const outcome = nextOutcome(page);
    await page.click('ce-connect-button[element="box"] >>> button');
    const result = await outcome;
    assert.equal(result.detail.code, 'popup-blocked');
  });

  it('the page is usable at phone width: no horizontal scrolling', async () => {
    await page.setViewport({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
  });
});

describe('flow 4b through the real server: a static callback page, then POST /api/ce/instances', { timeout: 60000 }, () => {
  let demo;
  let browser;
  before(async () => {
    demo = await startDemo({ port: 0, env: {}, flow: '4b', log: () => undefined });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await demo?.close();
  });

  it('Allow on the consent page: the widget posts the code to the backend and gets the instance id', async () => {
    const page = await browser.newPage();
    await page.goto(demo.url, { waitUntil: 'networkidle0' });
    await page.waitForSelector('ce-connect-button[element="hubspot"] >>> button');
    const requests = [];
    page.on('request', (request) => requests.push(`${request.method()} ${new URL(request.url()).pathname}`));
    const popup = new Promise((resolve) => page.once('popup', resolve));
    const outcome = nextOutcome(page);
    await page.click('ce-connect-button[element="hubspot"] >>> button');
    const consent = await popup;
    await (await consent.waitForSelector('::-p-xpath(//button[normalize-space()="Allow"])')).click();
    const result = await outcome;
    assert.equal(result.type, 'connected', JSON.stringify(result));
    assert.equal(result.detail.instanceId, String(demo.sandbox.instances().at(-1).id));
    assert.ok(requests.includes('POST /api/ce/instances'), requests.join('\n'));
  });
});
