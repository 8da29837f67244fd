// ce-connect/server in redirect mode (docs/protocol.md §13): `mode` and `return` on oauth/url, the return URL kept in
// the signed flow cookie, and the flow-4a callback answering 303 to it with the result in the fragment — over real
// HTTP against the sandbox.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { decide, forbiddenValues, openConsent, pageResult, startHarness } from './support/harness.mjs';

let harness;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const FRAGMENT_PREFIX = '#ce-connect=';

/** `?mode=redirect&return=…` (plus `extra`), as the element sends it. */
const redirectQuery = (returnUrl, extra = '') => `?mode=redirect&return=${encodeURIComponent(returnUrl)}${extra}`;

/** The page the tests start from: on the app's origin, with a query of its own. */
const returnPage = () => `${harness.appUrl}/settings/connections?tab=crm`;

/** oauth/url (with `query`) → consent → the decision; the provider's redirect back. */
async function consent(browser, element, query, decision = 'allow') {
  const started = await browser.startFlow(element, query);
  assert.equal(started.status, 200, started.body);
  const { location } = await decide(await openConsent(started.json.oauthUrl), decision);
  return { state: started.json.state, location: new URL(location) };
}

/** Splits a 303's Location into the return URL and the fields its fragment carries (decoded independently). */
function readReturn(response) {
  assert.equal(response.status, 303, response.body);
  const location = response.headers.get('location');
  const at = location.indexOf(FRAGMENT_PREFIX);
  assert.ok(at > 0, `no ${FRAGMENT_PREFIX} fragment in ${location}`);
  const encoded = location.slice(at + FRAGMENT_PREFIX.length);
  assert.match(encoded, /^[A-Za-z0-9_-]+$/, 'base64url without padding');
  return {
    returnUrl: location.slice(0, at),
    fields: JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')),
    location,
  };
}

/** The 400 of a refused `mode` or `return`: `{message, field}` and nothing else, no cookie, no Cloud Elements call. */
function assertRefused(answer, field, what) {
  assert.equal(answer.status, 400, `${what}: ${answer.body}`);
  const body = JSON.parse(answer.body);
  assert.deepEqual(Object.keys(body).sort(), ['field', 'message'], what);
  assert.equal(body.field, field, what);
  assert.equal(typeof body.message, 'string');
  assert.equal(answer.headers.get('set-cookie'), null, `${what}: no flow cookie`);
}

describe('oauth/url: mode and return', () => {
  test('mode=redirect with a return URL on an allowed origin → 200 as usual; popup mode and no mode unchanged', async () => {
    harness = await startHarness();
    const browser = harness.browser();
    const started = await browser.startFlow('sfdc', redirectQuery(returnPage()));
    assert.equal(started.status, 200, started.body);
    assert.deepEqual(Object.keys(started.json).sort(), ['element', 'oauthUrl', 'state']);
    assert.equal(browser.cookieNames().length, 1);
    assert.ok(
      harness.logs.some((line) => /^ce-connect flow\.started element=sfdc mode=redirect$/.test(line)),
      harness.logs.join('\n'),
    );
    // A return address is only read in redirect mode; it never appears in a log line.
    assert.equal(
      (await browser.startFlow('sfdc', `?mode=popup&return=${encodeURIComponent('https://evil.example/')}`)).status,
      200,
    );
    assert.equal(
      (await browser.startFlow('sfdc', `?return=${encodeURIComponent('https://evil.example/')}`)).status,
      200,
    );
    assert.equal(
      harness.logs.some((line) => line.includes('settings') || line.includes('evil')),
      false,
    );
  });

  test('a return URL that is not an absolute http(s) URL on an allowed origin without user-info or fragment → 400 {message, field: "return"}', async () => {
    harness = await startHarness();
    const browser = harness.browser();
    const app = harness.appUrl;
    const refused = {
      'another origin': 'https://evil.example/settings',
      'another port of the same host': `${app.replace(/:\d+$/, ':1')}/settings`,
      'localhost instead of 127.0.0.1': app.replace('127.0.0.1', 'localhost'),
      'a fragment': `${app}/settings#x`,
      'an empty fragment': `${app}/settings#`,
      'user-info': app.replace('http://', 'http://user:pass@'),
      'a user name': app.replace('http://', 'http://user@'),
      'javascript:': 'javascript:alert(1)//',
      'data:': 'data:text/html,hi',
      'ftp:': 'ftp://127.0.0.1/x',
      'a relative URL': '/settings',
      'a scheme-relative URL': `//${new URL(app).host}/settings`,
      'white space': `${app}/set tings`,
      'a line break': `${app}/set\ntings`,
      'over 1024 characters': `${app}/${'a'.repeat(1024)}`,
    };
    for (const [what, value] of Object.entries(refused)) {
      assertRefused(await browser.startFlow('sfdc', redirectQuery(value)), 'return', what);
    }
    assertRefused(await browser.startFlow('sfdc', '?mode=redirect'), 'return', 'missing');
    assertRefused(await browser.startFlow('sfdc', '?mode=redirect&return='), 'return', 'empty');
    const twice = `?mode=redirect&return=${encodeURIComponent(app)}&return=${encodeURIComponent(app)}`;
    assertRefused(await browser.startFlow('sfdc', twice), 'return', 'repeated');
    assert.equal(harness.ceCalls.length, 0, 'no Cloud Elements call');
    assert.deepEqual(browser.cookieNames(), []);
    // The limit is on the normalised URL: exactly 1024 characters pass.
    const longest = `${app}/${'a'.repeat(1024 - app.length - 1)}`;
    assert.equal((await browser.startFlow('sfdc', redirectQuery(longest))).status, 200);
  });

  test('an unknown or repeated mode → 400 {message, field: "mode"}', async () => {
    harness = await startHarness();
    const browser = harness.browser();
    const app = encodeURIComponent(harness.appUrl);
    for (const query of [
      `?mode=tab&return=${app}`,
      `?mode=REDIRECT&return=${app}`,
      '?mode=',
      `?mode=redirect&mode=redirect&return=${app}`,
      '?mode=popup&mode=redirect',
    ]) {
      assertRefused(await browser.startFlow('sfdc', query), 'mode', query);
    }
    assert.equal(harness.ceCalls.length, 0);
  });

  test('allowedOrigins decides which return origins are accepted', async () => {
    harness = await startHarness({ server: { allowedOrigins: ['https://app.example'] } });
    const browser = harness.browser();
    // The page origin check (docs/protocol.md §4.3) is about the page, the return origin about allowedOrigins.
    assert.equal((await browser.startFlow('sfdc', redirectQuery('https://app.example/settings'))).status, 200);
    assertRefused(
      await browser.startFlow('sfdc', redirectQuery('https://other.example/settings')),
      'return',
      'not listed',
    );
  });

  test('a flow that would not fit in one cookie (long name, site address and return URL) → 400 field "return", before Cloud Elements', async () => {
    // An element whose site address has no documented shape (Zendesk's must be a bare subdomain).
    const site = {
      apiKey: 'servicenow-key',
      apiSecret: 'SENTINELservicenowsecret77',
      siteAddress: (input) => input.repeat(2),
    };
    harness = await startHarness({ elements: { servicenow: site } });
    const browser = harness.browser();
    // Three UTF-8 bytes per character: the largest name and site address the handler accepts.
    const extra = `&site=${encodeURIComponent('界'.repeat(256))}&name=${encodeURIComponent('名'.repeat(200))}`;
    assertRefused(
      await browser.startFlow('servicenow', redirectQuery(`${harness.appUrl}/${'a'.repeat(900)}`, extra)),
      'return',
      'too large a flow',
    );
    assert.equal(harness.ceCalls.length, 0);
    assert.ok(
      harness.logs.every((line) => !line.includes('request.failed')),
      'a 400, not an internal error',
    );
  });
});

describe('flow 4a in redirect mode: the callback route answers 303 to the return URL', () => {
  test('Allow → 303 to the return URL with {state, instanceId, name} in the fragment; the code is never in Location', async () => {
    harness = await startHarness();
    const browser = harness.browser();
    const { state, location } = await consent(browser, 'sfdc', redirectQuery(returnPage(), '&name=CRM'));
    const code = location.searchParams.get('code');
    const answer = await browser.fetch(location.href);
    const { returnUrl, fields, location: sent } = readReturn(answer);
    assert.equal(returnUrl, returnPage(), 'exactly the recorded return URL, its query kept');
    const [instance] = harness.sandbox.instances();
    assert.deepEqual(fields, { state, instanceId: String(instance.id), name: 'CRM' });
    assert.equal(sent.includes(code), false, 'the code is not in Location');
    assert.equal(sent.includes(encodeURIComponent(code)), false);
    assert.equal(answer.body, '');
    assert.equal(answer.headers.get('cache-control'), 'no-store');
    assert.equal(answer.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(browser.cookieNames().length, 0, 'the consumed flow cookie is cleared by the 303');
    assert.equal(harness.created.length, 1);
    for (const value of forbiddenValues(harness))
      assert.equal(sent.includes(value), false, 'no secret or token in Location');
    for (const line of harness.logs) assert.equal(line.includes(code) || line.includes(state), false, line);
  });

  test('Deny → 303 with {state, error: "access_denied", errorDescription}; a return= added to the callback URL is not read', async () => {
    harness = await startHarness();
    const browser = harness.browser();
    const { state, location } = await consent(browser, 'sfdc', redirectQuery(returnPage()), 'deny');
    location.searchParams.append('return', 'https://evil.example/');
    location.searchParams.append('mode', 'popup');
    const { returnUrl, fields } = readReturn(await browser.fetch(location.href));
    assert.equal(returnUrl, returnPage());
    assert.deepEqual(fields, {
      state,
      error: 'access_denied',
      errorDescription: 'The user denied access to your app.',
    });
    assert.equal(harness.instanceCalls().length, 0);
  });

  test('invalid parameters, another element and a failed exchange also go back, as errors', async () => {
    harness = await startHarness({ sandbox: { fail: { instances: 500 } } });
    const browser = harness.browser();
    let { state } = (await browser.startFlow('sfdc', redirectQuery(returnPage()))).json;
    let answer = readReturn(await browser.fetch(`/api/ce/sfdc/oauth/callback?code=a&error=x&state=${state}`));
    assert.deepEqual(answer.fields, {
      state,
      error: 'invalid_request',
      errorDescription: 'The sign-in response was malformed.',
    });

    ({ state } = (await browser.startFlow('sfdc', redirectQuery(returnPage()))).json);
    answer = readReturn(await browser.fetch(`/api/ce/hubspot/oauth/callback?code=a&state=${state}`));
    assert.deepEqual(answer.fields, {
      state,
      error: 'invalid_request',
      errorDescription: 'The sign-in result arrived for another element.',
    });

    const { location, state: failing } = await consent(browser, 'sfdc', redirectQuery(returnPage()));
    answer = readReturn(await browser.fetch(location.href));
    assert.equal(answer.fields.state, failing);
    assert.equal(answer.fields.error, 'exchange_failed');
    assert.doesNotMatch(answer.fields.errorDescription, /Simulated|requestId/);
    assert.equal(harness.created.length, 0);
  });

  test('another owner’s callback → 303 with exchange_failed, nothing created', async () => {
    harness = await startHarness({ sessions: true });
    const browser = harness.browser();
    browser.signIn('alice');
    const { state, location } = await consent(browser, 'sfdc', redirectQuery(returnPage()));
    browser.signIn('bob');
    const { fields } = readReturn(await browser.fetch(location.href));
    assert.equal(fields.state, state);
    assert.equal(fields.error, 'exchange_failed');
    assert.equal(harness.instanceCalls().length, 0);
  });

  test('a replayed callback → the neutral page (409), no Location, no second instance', async () => {
    harness = await startHarness();
    const browser = harness.browser();
    const copy = harness.browser();
    const { location } = await consent(browser, 'sfdc', redirectQuery(returnPage()));
    copy.jar = browser.jar.cloneSync();
    readReturn(await browser.fetch(location.href));
    for (const replay of [browser, copy]) {
      const page = await replay.fetch(location.href);
      assert.equal(page.headers.get('location'), null);
      assert.equal(pageResult(page.body), null, 'a neutral page');
      assert.ok(page.status === 400 || page.status === 409, String(page.status));
    }
    assert.equal((await copy.fetch(location.href)).status, 400, 'its cookie cleared by the first replay');
    assert.equal(harness.created.length, 1);
    assert.equal(harness.instanceCalls().length, 1);
  });

  test('no state, or an unknown one → the neutral page even when the browser holds a redirect-mode flow', async () => {
    harness = await startHarness();
    const browser = harness.browser();
    await browser.startFlow('sfdc', redirectQuery(returnPage()));
    for (const query of ['?code=a', `?code=a&state=${'x'.repeat(43)}`]) {
      const page = await browser.fetch(`/api/ce/sfdc/oauth/callback${query}`);
      assert.equal(page.status, 400);
      assert.equal(page.headers.get('location'), null);
      assert.equal(pageResult(page.body), null);
    }
  });

  test('a reconnect in redirect mode re-authorises the same instance and goes back with its id', async () => {
    harness = await startHarness({ sessions: true });
    const browser = harness.browser();
    browser.signIn('alice');
    const first = await consent(browser, 'sfdc', '');
    const id = pageResult((await browser.fetch(first.location.href)).body).instanceId;
    const { state, location } = await consent(browser, 'sfdc', redirectQuery(returnPage(), `&instance=${id}`));
    const { fields } = readReturn(await browser.fetch(location.href));
    assert.deepEqual(fields, { state, instanceId: id, name: harness.sandbox.instances()[0].name });
    assert.equal(harness.sandbox.instances().length, 1, 'no second instance');
    assert.equal(harness.reconnected.length, 1);
    assert.equal(String(harness.reconnected[0].instance.id), id);
  });

  test('popup mode is unchanged: the callback page with the result, no Location', async () => {
    harness = await startHarness();
    for (const query of ['', '?mode=popup']) {
      const browser = harness.browser();
      const { state, location } = await consent(browser, 'sfdc', query);
      const page = await browser.fetch(location.href);
      assert.equal(page.status, 200);
      assert.equal(page.headers.get('location'), null);
      assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.equal(pageResult(page.body).state, state);
      assert.ok(pageResult(page.body).instanceId);
    }
  });
});

describe('flow 4b in redirect mode', () => {
  test('POST /instances completes a redirect-mode flow like any other (201; the state is then used up)', async () => {
    harness = await startHarness({ callbackPath: () => '/static/callback.html' });
    const browser = harness.browser();
    const { state, location } = await consent(browser, 'hubspot', redirectQuery(returnPage()));
    assert.equal(location.pathname, '/static/callback.html');
    const body = {
      element: { key: 'hubspot' },
      providerData: { code: location.searchParams.get('code') },
      state,
      name: 'Marketing',
    };
    const created = await browser.postInstance(body);
    assert.equal(created.status, 201, created.body);
    assert.deepEqual(created.json, {
      id: String(harness.sandbox.instances()[0].id),
      name: 'Marketing',
      element: { key: 'hubspot' },
    });
    assert.equal((await browser.postInstance(body)).status, 400, 'single use: the cookie is gone');
  });
});

describe('encodeReturnFragment (src/protocol.ts)', () => {
  test('#ce-connect= + base64url of the UTF-8 JSON, no padding, for any length and any text', async () => {
    const { encodeReturnFragment, FRAGMENT_PREFIX: prefix } = await import('../../lib/protocol.js');
    assert.equal(prefix, FRAGMENT_PREFIX);
    const state = 'S'.repeat(43);
    for (const name of ['', 'a', 'ab', 'abc', 'Zürich', '名前 🚀', '"quotes" & <tags>', '?/+=']) {
      const fields = { state, instanceId: '42', name };
      const fragment = encodeReturnFragment(fields);
      assert.ok(fragment.startsWith(FRAGMENT_PREFIX));
      const encoded = fragment.slice(FRAGMENT_PREFIX.length);
      assert.match(encoded, /^[A-Za-z0-9_-]+$/, name);
      assert.equal(encoded, Buffer.from(JSON.stringify(fields), 'utf8').toString('base64url'), name);
    }
  });
});
