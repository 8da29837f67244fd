// The demo as a newcomer uses it: `startDemo` (what `npm start` runs) on the embedded sandbox, driven in
// headless Chromium with real clicks — the button, then the sandbox consent page's Allow / Deny.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startDemo } from '../../demo/server.mjs';
import { launchChromium, nextOutcome } from './browser.mjs';

/** A request through node:http, which (unlike fetch) really sends the Host header it is given. */
function send(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const TERMINAL = ['connected', 'connect-error'];

/** Starts recording, in the page, every event of every button; call it before the action that causes them. */
function recordEvents(page) {
  return page.evaluate(() => {
    window.__ceEvents = [];
    for (const type of ['connect-start', 'connect-cancel', 'connected', 'connect-error']) {
      document.addEventListener(type, (event) => window.__ceEvents.push({ type, detail: event.detail }));
    }
  });
}

/**
 * Every event recorded so far, once a `connected` or `connect-error` is among them (a `connect-cancel`, e.g.
 * popup-closed in the COOP case, does not end the wait). Reads the recording; never waits for an event itself,
 * so the order in which events and clicks happen cannot deadlock a test.
 */
async function eventsUntilSettled(page) {
  await page.waitForFunction((terminal) => window.__ceEvents.some((event) => terminal.includes(event.type)), { timeout: 20000 }, TERMINAL);
  return page.evaluate(() => window.__ceEvents);
}

/** The first `connected` or `connect-error` of a recording. */
function outcomeOf(events) {
  return events.find((event) => TERMINAL.includes(event.type));
}

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
    const reset = await send(new URL('/demo-api/scenario', demo.url), {
      method: 'POST',
      headers: { 'X-CE-Connect': '1', 'Content-Type': 'application/json', Host: new URL(demo.url).host },
      body: JSON.stringify({ scenario: 'normal' }),
    });
    assert.equal(reset.status, 200, reset.body);
    assert.deepEqual(JSON.parse(reset.body), { scenario: 'normal' });
    page = await (await browser.createBrowserContext()).newPage();
    await page.goto(demo.url, { waitUntil: 'networkidle0' });
    await page.waitForSelector('ce-connect-button[element="sfdc"] >>> button');
  });

  /**
   * Clicks the Salesforce button with the page's events recorded, and answers the consent page with `choice`
   * ("Allow" or "Deny"; none: leave it open). Returns the consent page; the outcome is read afterwards.
   */
  async function connectSalesforce(choice) {
    await recordEvents(page);
    const popup = new Promise((resolve) => page.once('popup', resolve));
    await page.click('ce-connect-button[element="sfdc"] >>> button');
    const consent = await popup;
    if (choice) {
      const button = await consent.waitForSelector(`::-p-xpath(//button[normalize-space()="${choice}"])`, { timeout: 10000 });
      const text = await consent.evaluate(() => document.body.innerText);
      assert.match(text, /Salesforce/);
      assert.match(text, /Acme Analytics/);
      await button.click();
    }
    return { consent };
  }

  /** Switches the scenario as a visitor does (the radio button), and waits until the page has taken it. */
  async function setScenario(scenario) {
    await page.evaluate(async (name) => {
      await fetch('/demo-api/scenario', { method: 'POST', headers: { 'X-CE-Connect': '1' }, body: JSON.stringify({ scenario: name }) });
      document.querySelector(`input[name="scenario"][value="${name}"]`)?.click();
    }, scenario);
    // The page switches its own state (e.g. the blocked-popup stand-in) only once its request returns: it logs it.
    const logged = JSON.stringify({ scenario });
    await page.waitForFunction((text) => [...document.querySelectorAll('#log li code')].some((code) => code.textContent === text), { timeout: 10000 }, logged);
  }

  it('a request whose Host is not the canonical one is redirected there and changes nothing', async () => {
    const canonical = new URL(demo.url);
    const other = `localhost:${canonical.port}`;
    const moved = await send(new URL('/demo-api/scenario', demo.url), {
      method: 'POST',
      headers: { 'X-CE-Connect': '1', 'Content-Type': 'application/json', Host: other },
      body: JSON.stringify({ scenario: 'error' }),
    });
    assert.equal(moved.status, 308);
    assert.equal(moved.headers.location, `${canonical.origin}/demo-api/scenario`);
    const config = await send(new URL('/demo-api/config', demo.url), { headers: { Host: canonical.host } });
    assert.equal(JSON.parse(config.body).scenario, 'normal', 'the redirected POST did not switch the scenario');
  });

  it('a real click, Allow on the consent page: connected with the sandbox\'s instance id, listed as connected', async () => {
    const before = demo.sandbox.instances().length;
    await connectSalesforce('Allow');
    const result = outcomeOf(await eventsUntilSettled(page));
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
    await connectSalesforce('Deny');
    const result = outcomeOf(await eventsUntilSettled(page));
    assert.equal(result.type, 'connect-error');
    assert.equal(result.detail.code, 'provider-denied');
    assert.equal(demo.sandbox.instances().length, before);
  });

  it('the COOP scenario (the consent page severs the opener) still ends in connected', async () => {
    await setScenario('coop');
    const before = demo.sandbox.instances().length;
    // Events are recorded from before the click; Allow is clicked whatever the button reported meanwhile.
    const { consent } = await connectSalesforce(null);
    const allow = await consent.waitForSelector('::-p-xpath(//button[normalize-space()="Allow"])', { timeout: 10000 });
    await allow.click();
    const seen = await eventsUntilSettled(page);
    const last = seen.at(-1);
    assert.equal(last.type, 'connected', JSON.stringify(seen));
    assert.equal(last.detail.instanceId, String(demo.sandbox.instances().at(-1).id));
    assert.equal(demo.sandbox.instances().length, before + 1);
  });

  it('the backend-error scenario ends in connect-error backend, with the server\'s message', async () => {
    await setScenario('error');
    await connectSalesforce(null);
    const result = outcomeOf(await eventsUntilSettled(page));
    assert.equal(result.type, 'connect-error');
    assert.equal(result.detail.code, 'backend');
    assert.equal(result.detail.status, 502);
  });

  it('the blocked-popup scenario ends in popup-blocked without a backend call', async () => {
    await setScenario('blocked');
    const requests = [];
    page.on('request', (request) => requests.push(`${request.method()} ${new URL(request.url()).pathname}`));
    let popups = 0;
    page.on('popup', () => (popups += 1));
    await recordEvents(page);
    await page.click('ce-connect-button[element="box"] >>> button');
    const seen = await eventsUntilSettled(page);
    const result = outcomeOf(seen);
    assert.equal(result.detail.code, 'popup-blocked', JSON.stringify(seen));
    assert.deepEqual(requests.filter((line) => line.includes('/api/ce/')), [], 'no request reached the backend');
    assert.equal(popups, 0);
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
