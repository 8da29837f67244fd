// Connect links (src/server/connect-links.ts, src/server/routes/link-page.ts) against the real handler and the
// sandbox: createConnectLink/revokeConnectLink validation, the page and its headers, a link completing once for its
// owner with no host session, and every way a link must create nothing (altered, expired, revoked, spent, another
// element, an ordinary session route), with no token in any log line.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createConnectHandler } from '../../lib/server/index.js';
import { decide, manualClock, openConsent, pageResult, SECRETS, startHarness } from './support/harness.mjs';

const HOURS = 60 * 60 * 1000;

/** A handler (sessions on: no browser here signs in) with an app name and a clock the test moves. */
async function linkHarness(t, options = {}) {
  const clock = manualClock();
  const harness = await startHarness({ sessions: true, server: { appName: 'Acme CRM', now: clock.now, ...options } });
  t.after(() => harness.close());
  return { harness, clock };
}

/** Opens the link page, confirms (the form's POST), and starts the sign-in as the link page's button does. */
async function confirmAndStart(harness, browser, url, element = 'sfdc') {
  const opened = await browser.fetch(url);
  const confirmed = await browser.fetch(url, {
    method: 'POST',
    headers: {
      Origin: harness.appUrl,
      'Content-Type': 'application/x-www-form-urlencoded',
      'Sec-Fetch-Site': 'same-origin',
    },
    body: '',
  });
  const started = await browser.fetch(`${harness.basePath}/link/${element}/oauth/url`, {
    headers: { Accept: 'application/json', 'X-CE-Connect': '1' },
  });
  return { opened, confirmed, started, json: started.status === 200 ? JSON.parse(started.body) : undefined };
}

/** The provider's consent (allowed) and the redirect back to the callback route. */
async function finish(browser, oauthUrl) {
  const { location } = await decide(await openConsent(oauthUrl), 'allow');
  const done = await browser.fetch(location);
  return { ...done, result: pageResult(done.body) };
}

function assertNoToken(harness, url) {
  const token = url.split('/link/')[1];
  const [payload, mac] = token.split('.');
  for (const line of harness.logs) {
    assert.ok(!line.includes(payload) && !line.includes(mac), `a log line holds the link token: ${line}`);
  }
}

describe('createConnectLink and revokeConnectLink', () => {
  test('validate their input with TypeErrors and make a link on the callback origin', async (t) => {
    const { harness, clock } = await linkHarness(t);
    const { handler } = harness;
    for (const bad of [
      { element: 'sfdc' },
      { owner: '', element: 'sfdc' },
      { owner: 'a\nb', element: 'sfdc' },
      { owner: 'u1', element: 'nope' },
      { owner: 'u1', element: 'sfdc', expiresInMs: 0 },
      { owner: 'u1', element: 'sfdc', expiresInMs: 7 * 24 * HOURS + 1 },
      { owner: 'u1', element: 'sfdc', expiresInMs: 1.5 },
      { owner: 'u1', element: 'sfdc', inviter: '' },
      { owner: 'u1', element: 'sfdc', name: 'x'.repeat(1000) },
    ]) {
      await assert.rejects(handler.createConnectLink(bad), TypeError, JSON.stringify(bad));
    }
    await assert.rejects(handler.createConnectLink(null), TypeError);
    await assert.rejects(handler.revokeConnectLink('not an id'), TypeError);
    const link = await handler.createConnectLink({ owner: 'u1', element: 'sfdc' });
    assert.equal(link.expiresAt, clock.now() + 72 * HOURS);
    assert.match(link.id, /^[A-Za-z0-9_-]{22}$/);
    assert.ok(link.url.startsWith(`${harness.appUrl}/api/ce/link/`), link.url);
    const longest = await handler.createConnectLink({ owner: 'u1', element: 'sfdc', expiresInMs: 7 * 24 * HOURS });
    assert.equal(longest.expiresAt, clock.now() + 7 * 24 * HOURS);
  });

  test('need appName, and a store that can peek', async () => {
    const base = {
      cloudElements: { baseUrl: 'http://127.0.0.1:9/elements/api-v2', userSecret: 'u', organizationSecret: 'o' },
      elements: { sfdc: { apiKey: 'k', apiSecret: 's', callbackUrl: 'http://127.0.0.1:9/api/ce/sfdc/oauth/callback' } },
      cookieSecret: SECRETS.cookieSecret,
      onInstanceCreated: () => {},
    };
    await assert.rejects(createConnectHandler(base).createConnectLink({ owner: 'u1', element: 'sfdc' }), /appName/);
    const store = { consumeOnce: async () => true };
    // appName also names the credentials forms: a store without has() is refused when a link is made.
    const withStore = createConnectHandler({ ...base, appName: 'Acme', stateStore: store });
    await assert.rejects(withStore.createConnectLink({ owner: 'u1', element: 'sfdc' }), /has\(key\)/);
    // "link" and "assets" are the first segments of the link routes: an element of that key could not be reached.
    const sfdc = base.elements.sfdc;
    assert.throws(
      () => createConnectHandler({ ...base, elements: { link: sfdc } }),
      /taken by the handler's own routes/,
    );
    assert.throws(
      () => createConnectHandler({ ...base, elements: { assets: sfdc } }),
      /taken by the handler's own routes/,
    );
  });
});

describe('a connect link', () => {
  test('completes once for its owner, with no host session, and says who asks first', async (t) => {
    const { harness } = await linkHarness(t);
    const link = await harness.handler.createConnectLink({
      owner: 'cust-42',
      element: 'sfdc',
      inviter: 'Acme Inc.',
      name: 'Sales org',
    });
    const browser = harness.browser(); // never signed in
    const { opened, confirmed, started, json } = await confirmAndStart(harness, browser, link.url);
    assert.equal(opened.status, 200);
    assert.match(opened.body, /Acme Inc\. asks you to connect Salesforce to Acme CRM\./);
    assert.match(opened.body, /cust-42/);
    assert.match(opened.body, /<form method="post">/);
    assert.doesNotMatch(opened.body, /ce-connect-button/, 'no button before the confirm step');
    assert.equal(confirmed.status, 303);
    assert.equal(confirmed.headers.get('location'), '/api/ce/link');
    assert.equal(started.status, 200, started.body);
    const page = await browser.fetch('/api/ce/link');
    assert.equal(page.status, 200);
    assert.match(page.body, /<ce-connect-button element="sfdc" api-base="\/api\/ce\/link" mode="auto">/);
    const done = await finish(browser, json.oauthUrl);
    assert.match(done.result.instanceId, /^\d+$/);
    assert.equal(harness.created.length, 1);
    assert.equal(harness.created[0].owner, 'cust-42');
    assert.deepEqual(harness.created[0].link, { id: link.id });
    assert.equal(harness.created[0].instance.name, 'Sales org');

    // Spent: the page says so to anyone, and nothing more can start or complete.
    const other = harness.browser();
    const again = await other.fetch(link.url);
    assert.equal(again.status, 410);
    assert.match(again.body, /already been used/);
    const restart = await browser.fetch('/api/ce/link/sfdc/oauth/url', { headers: { 'X-CE-Connect': '1' } });
    assert.equal(restart.status, 410);
    assert.equal(harness.instanceCalls().length, 1);
    assertNoToken(harness, link.url);
  });

  test('a second completion in flight creates nothing', async (t) => {
    const { harness } = await linkHarness(t);
    const link = await harness.handler.createConnectLink({ owner: 'cust-1', element: 'sfdc' });
    const [a, b] = [harness.browser(), harness.browser()];
    const first = await confirmAndStart(harness, a, link.url);
    const second = await confirmAndStart(harness, b, link.url);
    const results = await Promise.all([finish(a, first.json.oauthUrl), finish(b, second.json.oauthUrl)]);
    assert.equal(results.filter((r) => r.result?.instanceId).length, 1);
    assert.equal(results.filter((r) => r.result?.error === 'exchange_failed').length, 1);
    assert.equal(harness.created.length, 1);
    assert.equal(harness.instanceCalls().length, 1);
  });

  test('with one character changed shows an invalid-link page and binds nothing', async (t) => {
    const { harness } = await linkHarness(t);
    const link = await harness.handler.createConnectLink({ owner: 'cust-1', element: 'sfdc' });
    const token = link.url.split('/link/')[1];
    for (const at of [3, token.indexOf('.') + 5]) {
      const altered = token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1);
      const browser = harness.browser();
      const { opened, confirmed, started } = await confirmAndStart(
        harness,
        browser,
        `${harness.appUrl}/api/ce/link/${altered}`,
      );
      assert.equal(opened.status, 404);
      assert.match(opened.body, /not valid/);
      assert.equal(confirmed.status, 404);
      assert.equal(started.status, 403);
    }
    assert.equal(harness.ceCalls.length, 0);
  });

  test('expired (injected clock) shows so, and a flow started before expiry completes nothing', async (t) => {
    const { harness, clock } = await linkHarness(t);
    const link = await harness.handler.createConnectLink({
      owner: 'cust-1',
      element: 'sfdc',
      expiresInMs: 5 * 60 * 1000,
    });
    const browser = harness.browser();
    const { json } = await confirmAndStart(harness, browser, link.url);
    clock.advance(5 * 60 * 1000); // the flow itself (10 minutes) is still valid
    const done = await finish(browser, json.oauthUrl);
    assert.equal(done.result.error, 'exchange_failed');
    const page = await harness.browser().fetch(link.url);
    assert.equal(page.status, 410);
    assert.match(page.body, /expired/);
    assert.equal(harness.created.length, 0);
    assert.equal(harness.instanceCalls().length, 0);
  });

  test('revoked shows so, and a flow in progress completes nothing', async (t) => {
    const { harness } = await linkHarness(t);
    const link = await harness.handler.createConnectLink({ owner: 'cust-1', element: 'sfdc' });
    const browser = harness.browser();
    const { json } = await confirmAndStart(harness, browser, link.url);
    await harness.handler.revokeConnectLink(link.id);
    const done = await finish(browser, json.oauthUrl);
    assert.equal(done.result.error, 'exchange_failed');
    const page = await harness.browser().fetch(link.url);
    assert.equal(page.status, 410);
    assert.match(page.body, /withdrawn/);
    assert.equal(harness.instanceCalls().length, 0);
  });

  test('starts only its own element, never a reconnect, and its cookie opens no session route', async (t) => {
    const { harness } = await linkHarness(t);
    const link = await harness.handler.createConnectLink({ owner: 'cust-1', element: 'sfdc' });
    const browser = harness.browser();
    await confirmAndStart(harness, browser, link.url);
    const other = await browser.fetch('/api/ce/link/hubspot/oauth/url', { headers: { 'X-CE-Connect': '1' } });
    assert.equal(other.status, 403);
    const reconnect = await browser.fetch('/api/ce/link/sfdc/oauth/url?instance=1', {
      headers: { 'X-CE-Connect': '1' },
    });
    assert.equal(reconnect.status, 403);
    assert.equal((await browser.api('instances')).status, 401);
    assert.equal((await browser.api('sfdc/oauth/url')).status, 401);
    assert.equal((await browser.api('instances/1', { method: 'DELETE' })).status, 401);
    assert.equal((await browser.fetch('/api/ce/link/instances', { headers: { 'X-CE-Connect': '1' } })).status, 405);
  });

  test("a link's flow cannot be completed through an ordinary session (flow 4b)", async (t) => {
    const { harness } = await linkHarness(t);
    const link = await harness.handler.createConnectLink({ owner: 'cust-1', element: 'sfdc' });
    const browser = harness.browser();
    const { json } = await confirmAndStart(harness, browser, link.url);
    browser.signIn('cust-1');
    const { location } = await decide(await openConsent(json.oauthUrl), 'allow');
    const code = new URL(location).searchParams.get('code');
    const posted = await browser.postInstance({ element: { key: 'sfdc' }, providerData: { code }, state: json.state });
    assert.equal(posted.status, 403);
    assert.equal(harness.instanceCalls().length, 0);
  });

  test('pages: strict CSP, no-store, no-referrer, and no token in any sub-resource URL', async (t) => {
    const { harness } = await linkHarness(t);
    const link = await harness.handler.createConnectLink({ owner: 'cust-1', element: 'sfdc' });
    const token = link.url.split('/link/')[1];
    const browser = harness.browser();
    const { opened } = await confirmAndStart(harness, browser, link.url);
    const button = await browser.fetch('/api/ce/link');
    const invalid = await harness.browser().fetch('/api/ce/link/abc.' + 'A'.repeat(43));
    for (const page of [opened, button, invalid]) {
      assert.equal(page.headers.get('cache-control'), 'no-store');
      assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
      const csp = page.headers.get('content-security-policy');
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'self'/);
      assert.doesNotMatch(csp, /unsafe-inline/);
      assert.doesNotMatch(page.body, /<script>|<script type="module">/, 'no inline script');
      for (const [, url] of page.body.matchAll(/(?:src|href|action)="([^"]*)"/g)) assert.ok(!url.includes(token), url);
    }
    assert.doesNotMatch(button.body, new RegExp(token.split('.')[1]));
    for (const asset of ['/api/ce/assets/ce-connect.js', '/api/ce/assets/link-page.js']) {
      const script = await browser.fetch(asset);
      assert.equal(script.status, 200, asset);
      assert.match(script.headers.get('content-type'), /^text\/javascript/);
    }
  });
});
