// The demo as a newcomer uses it: `startDemo` (what `npm start` runs) on the embedded sandbox, driven in
// headless Chromium with real clicks — the button, then the sandbox consent page's Allow / Deny.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startDemo } from '../../demo/server.mjs';
import { launchChromium } from '../../tools/chromium.mjs';
import { demoInChromium, HANG_BOUND, nextOutcome } from '../node/support/demo-browser.mjs';

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

/**
 * Starts recording, in the page, every event of every button; call it before the action that causes them. A
 * second call starts a new recording (the listeners are added once per page).
 */
function recordEvents(page) {
  return page.evaluate(() => {
    window.__ceEvents = [];
    if (window.__ceRecording) return;
    window.__ceRecording = true;
    for (const type of ['connect-start', 'connect-cancel', 'connected', 'connect-error', 'disconnected']) {
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
  await page.waitForFunction(
    (terminal) => window.__ceEvents.some((event) => terminal.includes(event.type)),
    { timeout: 20000 },
    TERMINAL,
  );
  return page.evaluate(() => window.__ceEvents);
}

/** The first `connected` or `connect-error` of a recording. */
function outcomeOf(events) {
  return events.find((event) => TERMINAL.includes(event.type));
}

describe('the demo, end to end in Chromium', () => {
  let demo;
  let browser;
  let page;
  const logLines = [];

  demoInChromium(logLines, (started) => ({ demo, browser } = started));
  beforeEach(async () => {
    page = await (await browser.createBrowserContext()).newPage();
    await page.goto(demo.url, { waitUntil: 'networkidle0' });
    await page.waitForSelector('ce-connect-button[element="sfdc"] >>> button');
  }, HANG_BOUND);

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
      const button = await consent.waitForSelector(`::-p-xpath(//button[normalize-space()="${choice}"])`, {
        timeout: 10000,
      });
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
      await fetch('/demo-api/scenario', {
        method: 'POST',
        headers: { 'X-CE-Connect': '1' },
        body: JSON.stringify({ scenario: name }),
      });
      document.querySelector(`input[name="scenario"][value="${name}"]`)?.click();
    }, scenario);
    // The page switches its own state (e.g. the blocked-popup stand-in) only once its request returns: it logs it.
    const logged = JSON.stringify({ scenario });
    await page.waitForFunction(
      (text) => [...document.querySelectorAll('#log li code')].some((code) => code.textContent === text),
      { timeout: 10000 },
      logged,
    );
  }

  it('a request whose Host is not the canonical one is redirected there and changes nothing', HANG_BOUND, async () => {
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

  it(
    "a real click, Allow on the consent page: connected with the sandbox's instance id, listed as connected",
    HANG_BOUND,
    async () => {
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
      await page.waitForFunction(
        (id) => [...document.querySelectorAll('#instances td:first-child')].some((td) => td.textContent === id),
        { timeout: 5000 },
        result.detail.instanceId,
      );
      // The Element Token stays on the server: not in the page, not in any log line.
      const html = await page.evaluate(
        () =>
          document.documentElement.outerHTML +
          JSON.stringify([...document.querySelectorAll('ce-connect-button')].map((b) => b.shadowRoot.innerHTML)),
      );
      assert.ok(!html.includes(created.at(-1).token));
      assert.ok(!logLines.join('\n').includes(created.at(-1).token));
      assert.equal(await page.$eval('ce-connect-button[element="sfdc"]', (b) => b.getAttribute('status')), 'connected');
    },
  );

  it('Deny on the consent page ends in provider-denied, and nothing is created', HANG_BOUND, async () => {
    const before = demo.sandbox.instances().length;
    await connectSalesforce('Deny');
    const result = outcomeOf(await eventsUntilSettled(page));
    assert.equal(result.type, 'connect-error');
    assert.equal(result.detail.code, 'provider-denied');
    assert.equal(demo.sandbox.instances().length, before);
  });

  it('the COOP scenario (the consent page severs the opener) still ends in connected', HANG_BOUND, async () => {
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

  it("the backend-error scenario ends in connect-error backend, with the server's message", HANG_BOUND, async () => {
    await setScenario('error');
    await connectSalesforce(null);
    const result = outcomeOf(await eventsUntilSettled(page));
    assert.equal(result.type, 'connect-error');
    assert.equal(result.detail.code, 'backend');
    assert.equal(result.detail.status, 502);
  });

  // The demo's stand-in blocker lets the click keep its user activation: the click takes the answer prefetched on
  // hover and asks the backend nothing more (a real blocker, without activation, is popup-blocked.test.ts's).
  it('the blocked-popup scenario ends in popup-blocked with no popup and no sign-in', HANG_BOUND, async () => {
    await setScenario('blocked');
    // The buttons prefetch: the pointer resting on the button asks oauth/url ahead, before the click.
    const intent = page.waitForResponse((response) => response.url().includes('/api/ce/box/oauth/url'));
    await page.hover('ce-connect-button[element="box"] >>> button');
    await intent;
    const requests = [];
    page.on('request', (request) => requests.push(`${request.method()} ${new URL(request.url()).pathname}`));
    let popups = 0;
    page.on('popup', () => (popups += 1));
    await recordEvents(page);
    await page.click('ce-connect-button[element="box"] >>> button');
    const seen = await eventsUntilSettled(page);
    const result = outcomeOf(seen);
    assert.equal(result.detail.code, 'popup-blocked', JSON.stringify(seen));
    assert.deepEqual(
      requests.filter((line) => line.includes('/api/ce/')),
      [],
      'the click asked the backend nothing',
    );
    assert.equal(popups, 0);
  });

  it(
    'every button prefetches; the log says how long after the click the consent page was asked for',
    HANG_BOUND,
    async () => {
      const buttons = await page.$$eval('ce-connect-button', (all) =>
        all.map((b) => b.prefetch && b.hasAttribute('prefetch')),
      );
      assert.ok(buttons.length > 1 && buttons.every(Boolean), JSON.stringify(buttons));
      assert.match(await page.$eval('#snippet', (code) => code.textContent), / disconnectable prefetch>/);
      const intent = page.waitForResponse((response) => response.url().includes('/api/ce/sfdc/oauth/url'));
      await page.hover('ce-connect-button[element="sfdc"] >>> button');
      await intent;
      const { consent } = await connectSalesforce();
      await consent.waitForSelector('::-p-xpath(//button[normalize-space()="Allow"])', { timeout: 10000 });
      const timing = await page.waitForFunction(
        () =>
          [...document.querySelectorAll('#log li')].find((li) => li.querySelector('.type')?.textContent === 'timing'),
        { timeout: 10000 },
      );
      const line = await timing.evaluate((li) => li.querySelector('code').textContent);
      assert.match(line, /^Salesforce: consent page \d+ ms after the click \(prefetched\)$/);
      await consent.close();
      await page.waitForFunction(() => window.__ceEvents.some((event) => event.type === 'connect-cancel'), {
        timeout: 10000,
      });
      const lines = await page.$$eval(
        '#log li .type',
        (types) => types.filter((t) => t.textContent === 'timing').length,
      );
      assert.equal(lines, 1, 'one line per click');
    },
  );

  it('the page is usable at phone width: no horizontal scrolling', HANG_BOUND, async () => {
    await page.setViewport({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
  });

  // Connections that last (issue 8): the list comes from the server's GET /api/ce/instances, each card's button
  // gets its instance-id from it; Expire is the sandbox's invalidate(id); Disconnect is the element's own.

  /** The label the card's button shows: the widget's own (its slot's fallback) or the page's slotted one. */
  function label(key) {
    return page.$eval(`ce-connect-button[element="${key}"]`, (b) =>
      (b.textContent.trim() || b.shadowRoot.querySelector('slot').textContent).trim(),
    );
  }

  async function waitForLabel(key, text) {
    await page.waitForFunction(
      (k, t) => {
        const b = document.querySelector(`ce-connect-button[element="${k}"]`);
        return b?.shadowRoot && (b.textContent.trim() || b.shadowRoot.querySelector('slot').textContent).trim() === t;
      },
      { timeout: 10000 },
      key,
      text,
    );
  }

  /** Clicks the card's button, Allow on the consent page; resolves with the `connected` detail. */
  async function connectWithAllow(key) {
    await recordEvents(page);
    const popup = new Promise((resolve) => page.once('popup', resolve));
    await page.click(`ce-connect-button[element="${key}"] >>> button`);
    await (
      await (await popup).waitForSelector('::-p-xpath(//button[normalize-space()="Allow"])', { timeout: 10000 })
    ).click();
    const seen = await eventsUntilSettled(page);
    const result = outcomeOf(seen);
    assert.equal(result.type, 'connected', JSON.stringify(seen));
    return result.detail;
  }

  /** The rows of the instances table: [id, app, status]. */
  function tableRows() {
    return page.$$eval('#instances tr', (rows) => rows.map((row) => [0, 1, 3].map((i) => row.children[i].textContent)));
  }

  /** Signs in as another demo user with the header's switcher, and waits until the page has listed their instances. */
  async function switchUser(user) {
    await page.click(`#users input[value="${user}"]`);
    const logged = JSON.stringify({ user });
    await page.waitForFunction(
      (text) => [...document.querySelectorAll('#log li code')].some((code) => code.textContent === text),
      { timeout: 10000 },
      logged,
    );
  }

  it(
    'Expire → "Reconnect Salesforce"; the reconnect keeps the Instance ID and the new token is stored',
    HANG_BOUND,
    async () => {
      const first = await connectWithAllow('sfdc');
      const id = first.instanceId;
      await waitForLabel('sfdc', 'Connected to Salesforce');
      await page.waitForFunction(
        (i) => document.querySelector('.card[data-key="sfdc"] .instance-id').textContent === i,
        { timeout: 5000 },
        id,
      );
      const [created] = demo.sandbox.instances();
      assert.equal(String(created.id), id);

      await page.click('.card[data-key="sfdc"] .expire');
      await page.waitForSelector('ce-connect-button[element="sfdc"][status="needs-reconnect"]', { timeout: 10000 });
      assert.equal(await label('sfdc'), 'Reconnect Salesforce');
      assert.equal(demo.sandbox.instances()[0].valid, false, 'Cloud Elements reports it broken');
      await page.waitForFunction(
        () => document.querySelector('#instances tr td:nth-child(4)')?.textContent === 'Needs reconnect',
        {
          timeout: 5000,
        },
      );
      assert.equal(
        await page.$eval('.card[data-key="sfdc"] .expire', (b) => b.hidden),
        true,
        'no Expire on a broken instance',
      );

      const second = await connectWithAllow('sfdc');
      assert.deepEqual(second, { element: 'sfdc', instanceId: id, name: second.name, reconnected: true });
      await waitForLabel('sfdc', 'Connected to Salesforce');
      const after = demo.sandbox.instances();
      assert.equal(after.length, 1, 'no new instance');
      assert.equal(String(after[0].id), id);
      assert.equal(after[0].valid, true);
      assert.notEqual(after[0].token, created.token, 'Cloud Elements issued a new token');
      assert.deepEqual(
        demo.tokens.get(id),
        { element: 'sfdc', owner: 'alice', token: after[0].token },
        'onInstanceReconnected stored it',
      );
      await page.waitForFunction(
        () => document.querySelector('#instances tr td:nth-child(4)')?.textContent === 'Connected',
        {
          timeout: 5000,
        },
      );
      assert.deepEqual(await tableRows(), [[id, 'Salesforce', 'Connected']]);

      // It lasts: a reload (same session) gets it from GET /api/ce/instances, and the button's own check says connected.
      await page.reload({ waitUntil: 'networkidle0' });
      await waitForLabel('sfdc', 'Connected to Salesforce');
      assert.equal(await page.$eval('ce-connect-button[element="sfdc"]', (b) => b.getAttribute('instance-id')), id);
    },
  );

  it(
    "Disconnect (the element's own button) deletes the card's instance at Cloud Elements and clears the card",
    HANG_BOUND,
    async () => {
      const { instanceId } = await connectWithAllow('hubspot');
      await waitForLabel('hubspot', 'Connected to HubSpot');
      assert.ok(demo.tokens.has(instanceId));
      await recordEvents(page);
      await page.click('ce-connect-button[element="hubspot"] >>> [part="disconnect"]');
      await page.waitForFunction(() => window.__ceEvents.some((event) => event.type === 'disconnected'), {
        timeout: 10000,
      });
      const events = await page.evaluate(() => window.__ceEvents);
      assert.deepEqual(events, [{ type: 'disconnected', detail: { element: 'hubspot', instanceId, reason: 'user' } }]);
      assert.deepEqual(demo.sandbox.instances(), [], 'deleted at Cloud Elements');
      assert.equal(demo.tokens.has(instanceId), false, 'onInstanceDeleted forgot the token');
      await waitForLabel('hubspot', 'Connect to HubSpot');
      await page.waitForFunction(
        () => !document.querySelector('#instances tr') && !document.getElementById('instances-empty').hidden,
        {
          timeout: 5000,
        },
      );
      assert.equal(await page.$eval('.card[data-key="hubspot"] .card-meta', (meta) => meta.hidden), true);
      assert.equal(await page.$('ce-connect-button[element="hubspot"] >>> [part="disconnect"]'), null);
    },
  );

  it("user B does not see, check, expire or delete user A's connection; each has their own", HANG_BOUND, async () => {
    const alice = await connectWithAllow('sfdc');
    await waitForLabel('sfdc', 'Connected to Salesforce');

    await switchUser('bob');
    await waitForLabel('sfdc', 'Connect to Salesforce');
    assert.equal(await page.$eval('ce-connect-button[element="sfdc"]', (b) => b.hasAttribute('instance-id')), false);
    assert.deepEqual(await tableRows(), []);
    assert.equal(await page.$eval('.card[data-key="sfdc"] .card-meta', (meta) => meta.hidden), true);
    // Bob asking the server about Alice's instance by id: "unknown", as if it did not exist (never a 403).
    const answers = await page.evaluate(async (id) => {
      const api = { Accept: 'application/json', 'X-CE-Connect': '1' };
      const read = async (response) => ({ status: response.status, code: (await response.json()).code });
      return {
        get: await read(await fetch(`/api/ce/instances/${id}`, { headers: api })),
        remove: await read(await fetch(`/api/ce/instances/${id}`, { method: 'DELETE', headers: api })),
        expire: (await fetch(`/demo-api/instances/${id}/expire`, { method: 'POST', headers: { 'X-CE-Connect': '1' } }))
          .status,
      };
    }, alice.instanceId);
    assert.deepEqual(answers, {
      get: { status: 404, code: 'unknown-instance' },
      remove: { status: 404, code: 'unknown-instance' },
      expire: 404,
    });
    assert.equal(demo.sandbox.instances()[0].valid, true, "Alice's instance untouched");

    const bob = await connectWithAllow('sfdc');
    assert.notEqual(bob.instanceId, alice.instanceId);
    assert.equal(bob.reconnected, undefined, 'a connection of his own, not a reconnect of hers');
    await page.waitForFunction(() => document.querySelectorAll('#instances tr').length === 1, { timeout: 5000 });
    assert.deepEqual(await tableRows(), [[bob.instanceId, 'Salesforce', 'Connected']]);

    await switchUser('alice');
    await waitForLabel('sfdc', 'Connected to Salesforce');
    assert.equal(
      await page.$eval('ce-connect-button[element="sfdc"]', (b) => b.getAttribute('instance-id')),
      alice.instanceId,
    );
    assert.deepEqual(await tableRows(), [[alice.instanceId, 'Salesforce', 'Connected']]);
    assert.equal(demo.tokens.get(alice.instanceId).owner, 'alice');
    assert.equal(demo.tokens.get(bob.instanceId).owner, 'bob');
  });

  it(
    'Zendesk asks for the subdomain: a refused one is invalid-config, a good one signs in on that site',
    HANG_BOUND,
    async () => {
      await page.type('#site-zendesk', 'Not a subdomain!');
      await recordEvents(page);
      await page.click('ce-connect-button[element="zendesk"] >>> button');
      const refused = outcomeOf(await eventsUntilSettled(page));
      assert.equal(refused.type, 'connect-error');
      assert.equal(refused.detail.code, 'invalid-config');
      assert.equal(demo.sandbox.instances().length, 0);

      await page.$eval('#site-zendesk', (input) => (input.value = ''));
      await page.type('#site-zendesk', 'acme');
      assert.equal(await page.$eval('ce-connect-button[element="zendesk"]', (b) => b.getAttribute('site')), 'acme');
      await recordEvents(page);
      const popup = new Promise((resolve) => page.once('popup', resolve));
      await page.click('ce-connect-button[element="zendesk"] >>> button');
      const consent = await popup;
      const allow = await consent.waitForSelector('::-p-xpath(//button[normalize-space()="Allow"])', {
        timeout: 10000,
      });
      assert.match(await consent.evaluate(() => document.body.innerText), /Site: acme\b/);
      await allow.click();
      const result = outcomeOf(await eventsUntilSettled(page));
      assert.equal(result.type, 'connected');
      const [instance] = demo.sandbox.instances();
      assert.equal(String(instance.id), result.detail.instanceId);
      assert.equal(
        instance.configuration['zendesk.subdomain'],
        'acme',
        'the bare subdomain, as Cloud Elements wants it',
      );
      await waitForLabel('zendesk', 'Connected to Zendesk');
    },
  );
});

describe('flow 4b through the real server: a static callback page, then POST /api/ce/instances', () => {
  let demo;
  let browser;
  before(async () => {
    demo = await startDemo({ port: 0, env: {}, flow: '4b', log: () => undefined });
    browser = await launchChromium();
  }, HANG_BOUND);
  after(async () => {
    await browser?.close();
    await demo?.close();
  }, HANG_BOUND);

  it(
    'Allow on the consent page: the widget posts the code to the backend and gets the instance id',
    HANG_BOUND,
    async () => {
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
    },
  );
});
