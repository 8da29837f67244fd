// ce-connect/server against the security catalogue: section D rows, and C-4/C-7/C-9 for the callback page.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { afterEach, describe, test } from 'node:test';
import { createConnectHandler } from '../../lib/server/index.js';
import { authorize, forbiddenValues, manualClock, pageResult, SECRETS, startHarness } from './support/harness.mjs';

let harness;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const BASE64URL_43 = /^[A-Za-z0-9_-]{43}$/;

/** A handler that never leaves the process: CE answers with `oauthUrl` echoing the requested state. */
function inProcessHandler(overrides = {}) {
  const calls = [];
  const handler = createConnectHandler({
    cloudElements: {
      baseUrl: 'https://ce.test/elements/api-v2',
      userSecret: 'u-secret',
      organizationSecret: 'o-secret',
    },
    elements: {
      sfdc: { apiKey: 'k', apiSecret: 'api-secret-value', callbackUrl: 'https://app.test/api/ce/sfdc/oauth/callback' },
    },
    cookieSecret: 'c'.repeat(32),
    onInstanceCreated: () => {},
    fetch: async (input, init) => {
      calls.push({ url: String(input), init });
      const state = new URL(String(input)).searchParams.get('state') ?? JSON.parse(init.body).state;
      const oauthUrl = `https://login.test/authorize?client_id=k&state=${state}`;
      return new Response(JSON.stringify({ element: 'sfdc', oauthUrl }), { status: 200 });
    },
    ...overrides,
  });
  return { handler, calls };
}

function widgetRequest(path, init = {}) {
  return new Request(`http://localhost${path}`, { ...init, headers: { 'X-CE-Connect': '1', ...init.headers } });
}

describe('D-1, D-2: secrets stay on the server and out of URLs', () => {
  test('the sfdc oauthUrl from CE carries client_secret; the browser gets it stripped (D-1)', async () => {
    harness = await startHarness();
    const started = await harness.browser().startFlow('sfdc');
    assert.equal(started.status, 200);
    const url = new URL(started.json.oauthUrl);
    assert.equal(url.searchParams.has('client_secret'), false);
    assert.equal(url.searchParams.get('client_id'), 'sfdc-key');
    assert.equal(url.searchParams.get('state'), started.json.state);
    assert.deepEqual(Object.keys(started.json).sort(), ['element', 'oauthUrl', 'state']);
    // The sandbox really did send it: the server removed it.
    const ceAnswer = await fetch(harness.ceCalls[0].url, { headers: harness.ceCalls[0].headers }).then((r) => r.json());
    assert.equal(new URL(ceAnswer.oauthUrl).searchParams.get('client_secret'), SECRETS.sfdcApiSecret);
  });

  test('an oauthUrl with a secret elsewhere, a foreign state, or javascript: is refused with 502 (D-1)', async () => {
    for (const bad of [
      (state) => `https://login.test/${'api-secret-value'}/authorize?state=${state}`,
      () => 'https://login.test/authorize?state=sfdc',
      (state) => `javascript:alert(1)//?state=${state}`,
      (state) => `https://user:pw@login.test/authorize?state=${state}`,
      (state) => `http://login.test/authorize?state=${state}`,
    ]) {
      const { handler } = inProcessHandler({
        fetch: async (input) =>
          new Response(JSON.stringify({ oauthUrl: bad(new URL(String(input)).searchParams.get('state')) }), {
            status: 200,
          }),
      });
      const response = await handler(widgetRequest('/api/ce/sfdc/oauth/url'));
      assert.equal(response.status, 502);
      const body = await response.text();
      assert.equal(body.includes('api-secret-value'), false);
      assert.equal(response.headers.getSetCookie().length, 0, 'no flow is recorded for an unusable URL');
    }
  });

  /** One flow 4b; the Cloud Elements calls it made and the bodies the browser saw. */
  async function flowCalls() {
    harness = await startHarness({ callbackPath: () => '/cb' });
    const browser = harness.browser();
    const { state, location } = await authorize(browser, 'sfdc');
    await browser.postInstance({
      element: { key: 'sfdc' },
      providerData: { code: location.searchParams.get('code') },
      state,
    });
    assert.equal(harness.ceCalls.length, 2);
    for (const call of harness.ceCalls) {
      assert.equal(
        call.headers.get('authorization'),
        `User ${SECRETS.userSecret}, Organization ${SECRETS.organizationSecret}`,
      );
      for (const secret of [SECRETS.userSecret, SECRETS.organizationSecret])
        assert.equal(call.url.includes(secret), false);
    }
    const [urlCall, instanceCall] = harness.ceCalls;
    assert.equal(instanceCall.url, `${harness.sandboxUrl}/elements/api-v2/instances`);
    assert.equal(instanceCall.method, 'POST');
    assert.equal(instanceCall.headers.get('content-type'), 'application/json');
    const app = { apiKey: 'sfdc-key', apiSecret: SECRETS.sfdcApiSecret, callbackUrl: `${harness.appUrl}/cb`, state };
    const instanceBody = JSON.parse(instanceCall.body);
    assert.deepEqual(instanceBody.element, { key: 'sfdc' });
    assert.deepEqual(instanceBody.providerData, { code: location.searchParams.get('code') });
    assert.deepEqual(instanceBody.configuration, {
      'oauth.callback.url': app.callbackUrl,
      'oauth.api.key': app.apiKey,
      'oauth.api.secret': app.apiSecret,
    });
    assert.equal(typeof instanceBody.name, 'string');
    return { urlCall, app };
  }

  test('oauth/url is the documented GET with the app in its query; POST /instances has a JSON body (D-2)', async () => {
    const { urlCall, app } = await flowCalls();
    const url = new URL(urlCall.url);
    assert.equal(urlCall.method, 'GET');
    assert.equal(url.origin + url.pathname, `${harness.sandboxUrl}/elements/api-v2/elements/sfdc/oauth/url`);
    assert.deepEqual(Object.fromEntries(url.searchParams), app);
    assert.equal(urlCall.body, undefined);
    assert.equal(
      harness.logs.some((line) => JSON.stringify(line).includes(SECRETS.sfdcApiSecret)),
      false,
      'the query holds the app secret: never logged',
    );
  });

  test("cloudElements.oauthUrlRequest: 'post' asks oauth/url with a JSON body, no secret in its URL (D-2)", async () => {
    // Only the call's shape: whether Cloud Elements' POST variant keeps our state is not documented.
    harness = await startHarness({ callbackPath: () => '/cb', oauthUrlRequest: 'post' });
    await harness.browser().startFlow('sfdc');
    const [urlCall] = harness.ceCalls;
    assert.equal(urlCall.method, 'POST');
    assert.equal(urlCall.url, `${harness.sandboxUrl}/elements/api-v2/elements/sfdc/oauth/url`);
    assert.equal(urlCall.headers.get('content-type'), 'application/json');
    const { state, ...app } = JSON.parse(urlCall.body);
    assert.deepEqual(app, {
      apiKey: 'sfdc-key',
      apiSecret: SECRETS.sfdcApiSecret,
      callbackUrl: `${harness.appUrl}/cb`,
    });
    assert.equal(typeof state, 'string');
  });
});

describe('D-3, D-4: states', () => {
  test('2,000 states are unique, 43 base64url characters each (D-3)', async () => {
    const { handler } = inProcessHandler();
    const states = new Set();
    for (let i = 0; i < 2000; i += 1) {
      const { state } = await (await handler(widgetRequest('/api/ce/sfdc/oauth/url'))).json();
      assert.match(state, BASE64URL_43);
      states.add(state);
    }
    assert.equal(states.size, 2000);
  });

  test('a client-supplied state (or callbackUrl, siteAddress) is ignored (D-4, D-11)', async () => {
    const { handler, calls } = inProcessHandler();
    const query = '?state=sfdc&callbackUrl=https://evil.example/cb&siteAddress=https://evil.example&apiKey=x';
    const response = await handler(widgetRequest(`/api/ce/sfdc/oauth/url${query}`));
    const { state } = await response.json();
    assert.notEqual(state, 'sfdc');
    assert.match(state, BASE64URL_43);
    const sent = Object.fromEntries(new URL(calls[0].url).searchParams);
    assert.equal(sent.state, state);
    assert.equal(sent.callbackUrl, 'https://app.test/api/ce/sfdc/oauth/callback');
    assert.equal(sent.apiKey, 'k');
    assert.equal('siteAddress' in sent, false);
  });
});

describe('D-5, D-20: cross-site requests are refused before any CE call', () => {
  const valid = { element: { key: 'sfdc' }, providerData: { code: 'abc' }, state: 'x'.repeat(43) };
  const variants = [
    ['no X-CE-Connect header', { 'X-CE-Connect': '' }],
    ['X-CE-Connect: 0', { 'X-CE-Connect': '0' }],
    ['Content-Type: text/plain', { 'Content-Type': 'text/plain' }],
    ['a form post', { 'Content-Type': 'application/x-www-form-urlencoded' }],
    ['a foreign Origin', { Origin: 'https://evil.example' }],
    ['an Origin look-alike', { Origin: 'http://127.0.0.1.evil.example' }],
    ['Origin "null"', { Origin: 'null' }],
    ['no Origin', { Origin: '' }],
    ['Sec-Fetch-Site: cross-site', { 'Sec-Fetch-Site': 'cross-site' }],
  ];
  for (const [name, headers] of variants) {
    test(`POST /instances with ${name} → 403, logged, no CE call (D-5)`, async () => {
      harness = await startHarness();
      const browser = harness.browser();
      await browser.startFlow('sfdc');
      const callsBefore = harness.ceCalls.length;
      // An empty value means: leave the header out.
      const merged = { 'Content-Type': 'application/json', Origin: harness.appUrl, 'X-CE-Connect': '1', ...headers };
      const sent = Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== ''));
      const response = await browser.fetch('/api/ce/instances', {
        method: 'POST',
        headers: sent,
        body: JSON.stringify(valid),
      });
      assert.equal(response.status, 403);
      assert.equal(typeof JSON.parse(response.body).message, 'string');
      assert.equal(harness.ceCalls.length, callsBefore);
      assert.ok(harness.logs.some((line) => line.startsWith('ce-connect request.refused route=instances')));
    });
  }

  test('oauth/url without X-CE-Connect (a cross-site <img>) → 403, no state, no CE call (D-20)', async () => {
    harness = await startHarness();
    const browser = harness.browser();
    const response = await browser.fetch('/api/ce/sfdc/oauth/url');
    assert.equal(response.status, 403);
    assert.equal(response.headers.getSetCookie().length, 0);
    assert.equal(harness.ceCalls.length, 0);
    const foreign = await browser.fetch('/api/ce/sfdc/oauth/url', {
      headers: { 'X-CE-Connect': '1', Origin: 'https://evil.example' },
    });
    assert.equal(foreign.status, 403);
    const crossSite = await browser.fetch('/api/ce/sfdc/oauth/url', {
      headers: { 'X-CE-Connect': '1', 'Sec-Fetch-Site': 'cross-site' },
    });
    assert.equal(crossSite.status, 403);
    assert.equal(harness.ceCalls.length, 0);
  });

  test('a body over 16 KB → 413; malformed JSON or shape → 400; no CE call', async () => {
    harness = await startHarness();
    const browser = harness.browser();
    const { state } = (await browser.startFlow('sfdc')).json;
    const callsBefore = harness.ceCalls.length;
    const big = await browser.postInstance({ ...valid, state, name: 'x'.repeat(17 * 1024) });
    assert.equal(big.status, 413);
    for (const body of [
      '{',
      '[]',
      { ...valid, state, providerData: { code: 7 } },
      { ...valid, state, providerData: { code: 'a\nb' } },
      { state },
    ]) {
      assert.equal((await browser.postInstance(body)).status, 400);
    }
    assert.equal(harness.ceCalls.length, callsBefore);
  });
});

describe('D-6, D-7, D-8: states are bound to the browser, single-use and to their element', () => {
  async function codeFor(h, browser, element = 'sfdc') {
    const { state, location } = await authorize(browser, element);
    return { state, code: location.searchParams.get('code') };
  }

  test('a state from another browser, a tampered cookie, an expired or a consumed state → 400/409, no CE call (D-6)', async () => {
    // The handler's clock only moves when the test moves it: expiry is reached exactly, never waited for.
    const clock = manualClock();
    const flowTtlMs = 60_000;
    harness = await startHarness({ callbackPath: () => '/cb', server: { flowTtlMs, now: clock.now } });
    const alice = harness.browser();
    const mallory = harness.browser();
    const { state, code } = await codeFor(harness, alice);
    await mallory.startFlow('sfdc');
    const body = { element: { key: 'sfdc' }, providerData: { code }, state };

    const foreign = await mallory.postInstance(body);
    assert.equal(foreign.status, 400);

    const tampered = harness.browser();
    const aliceCookies = alice.jar.getCookiesSync(harness.appUrl, { allPaths: true });
    assert.equal(aliceCookies.length, 1);
    for (const cookie of aliceCookies) {
      const forged = cookie.clone();
      forged.value = cookie.value.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
      tampered.jar.setCookieSync(forged, harness.appUrl);
    }
    assert.deepEqual(
      tampered.cookieNames(),
      alice.cookieNames(),
      'the tampered browser sends the same cookie, one character changed',
    );
    assert.equal((await tampered.postInstance(body)).status, 400);

    const noCookie = await harness.browser().postInstance(body);
    assert.equal(noCookie.status, 400);
    assert.match(noCookie.json.message, /cookie/);

    assert.equal(harness.instanceCalls().length, 0);
    assert.equal((await alice.postInstance(body)).status, 201);
    assert.equal((await alice.postInstance(body)).status, 400, 'the flow cookie was cleared');

    const saved = await codeFor(harness, alice);
    const savedJar = alice.jar.cloneSync();
    const ok = await alice.postInstance({ ...body, state: saved.state, providerData: { code: saved.code } });
    assert.equal(ok.status, 201);
    alice.jar = savedJar.cloneSync();
    const replayed = await alice.postInstance({ ...body, state: saved.state, providerData: { code: saved.code } });
    assert.equal(replayed.status, 409, 'a replayed cookie cannot reuse a consumed state');

    // Two flows started at the same instant: one used a millisecond before the deadline, one at the deadline.
    const onTime = await codeFor(harness, alice);
    const late = await codeFor(harness, alice);
    clock.advance(flowTtlMs - 1);
    const inTime = await alice.postInstance({ ...body, state: onTime.state, providerData: { code: onTime.code } });
    assert.equal(inTime.status, 201, 'a flow is valid until its last millisecond');
    clock.advance(1);
    const expired = await alice.postInstance({ ...body, state: late.state, providerData: { code: late.code } });
    assert.equal(expired.status, 400);
    assert.match(expired.json.message, /expired/);
    assert.equal(harness.instanceCalls().length, 3);
    // Once the consumed state has expired the server may forget it; its cookie is then refused as expired.
    alice.jar = savedJar.cloneSync();
    const replayedLate = await alice.postInstance({ ...body, state: saved.state, providerData: { code: saved.code } });
    assert.equal(replayedLate.status, 400);
    assert.match(replayedLate.json.message, /expired/);
    assert.equal(harness.instanceCalls().length, 3);
    assert.ok(harness.logs.some((line) => line.includes('reason=expired')));
    assert.ok(harness.logs.some((line) => line.includes('reason=consumed')));
    assert.ok(harness.logs.some((line) => line.includes('reason=unknown-state')));
  });

  test('two concurrent POST /instances with one state → exactly one CE exchange (D-7)', async () => {
    harness = await startHarness({ callbackPath: () => '/cb', sandbox: { latencyMs: 40 } });
    const browser = harness.browser();
    const { state, code } = await codeFor(harness, browser);
    const cookies = browser.jar.cloneSync();
    const body = { element: { key: 'sfdc' }, providerData: { code }, state };
    const twin = harness.browser();
    twin.jar = cookies;
    const results = await Promise.all([browser.postInstance(body), twin.postInstance(body)]);
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 409]);
    assert.equal(harness.instanceCalls().length, 1);
    assert.equal(harness.sandbox.instances().length, 1);
  });

  test('two concurrent callbacks with one state → exactly one CE exchange (D-7, flow 4a)', async () => {
    harness = await startHarness({ sandbox: { latencyMs: 40 } });
    const browser = harness.browser();
    const { location } = await authorize(browser);
    const twin = harness.browser();
    twin.jar = browser.jar.cloneSync();
    const pages = await Promise.all([browser.fetch(location.href), twin.fetch(location.href)]);
    assert.deepEqual(pages.map((p) => p.status).sort(), [200, 409]);
    assert.equal(pages.filter((p) => pageResult(p.body) === null).length, 1);
    assert.equal(harness.instanceCalls().length, 1);
  });

  test('an sfdc state used for hubspot → rejected, no CE call (D-8)', async () => {
    harness = await startHarness({ callbackPath: () => '/cb' });
    const browser = harness.browser();
    const { state, code } = await codeFor(harness, browser, 'sfdc');
    const mixed = await browser.postInstance({ element: { key: 'hubspot' }, providerData: { code }, state });
    assert.equal(mixed.status, 400);
    assert.equal(harness.instanceCalls().length, 0);
    const retry = await browser.postInstance({ element: { key: 'sfdc' }, providerData: { code }, state });
    assert.equal(retry.status, 400, 'the flow was used up by the mix-up attempt');
  });

  test('an sfdc state arriving on the hubspot callback route → invalid_request, no CE call (D-8)', async () => {
    harness = await startHarness();
    const browser = harness.browser();
    const { state, location } = await authorize(browser, 'sfdc');
    const wrong = new URL(location);
    wrong.pathname = '/api/ce/hubspot/oauth/callback';
    const result = pageResult((await browser.fetch(wrong.href)).body);
    assert.equal(result.state, state);
    assert.equal(result.error, 'invalid_request');
    assert.equal(harness.instanceCalls().length, 0);
  });
});

describe('D-10, D-11, D-12: paths, host headers and CORS', () => {
  test('path injection on {element} → 400 or 404, never a CE call (D-10)', async () => {
    harness = await startHarness();
    const browser = harness.browser();
    const paths = [
      '..%2fadmin',
      'sfdc%2f..%2f..%2fx',
      '%2e%2e',
      'SFDC',
      'sfdc%00',
      '%E2%80%AEsfdc',
      'sf%C3%B6dc',
      'x'.repeat(1024),
      'zohocrm',
      'constructor',
      '__proto__',
      'sfdc%3Fx%3D1',
    ];
    for (const element of paths) {
      const response = await browser.startFlow(element);
      assert.ok([400, 404].includes(response.status), `${element.slice(0, 20)} → ${response.status}`);
      assert.equal(typeof JSON.parse(response.body).message, 'string');
    }
    assert.equal(
      (await browser.fetch('/api/ce/sfdc/../sfdc/oauth/url', { headers: { 'X-CE-Connect': '1' } })).status,
      200,
    );
    assert.equal(harness.ceCalls.length, 1);
  });

  test('forged Host and X-Forwarded-Host change no URL (D-11)', async () => {
    harness = await startHarness();
    const response = await new Promise((resolve, reject) => {
      const req = httpRequest(`${harness.appUrl}/api/ce/sfdc/oauth/url`, {
        headers: {
          Host: 'evil.example',
          'X-Forwarded-Host': 'evil.example',
          'X-Forwarded-Proto': 'https',
          'X-CE-Connect': '1',
        },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode, body, headers: res.headers }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(response.status, 200);
    const oauthUrl = new URL(JSON.parse(response.body).oauthUrl);
    assert.equal(oauthUrl.searchParams.get('redirect_uri'), `${harness.appUrl}/api/ce/sfdc/oauth/callback`);
    assert.equal(oauthUrl.origin, harness.sandboxUrl);
    assert.equal(harness.ceCalls[0].url.startsWith(`${harness.sandboxUrl}/`), true);
    assert.equal(response.body.includes('evil.example'), false);
    assert.equal(JSON.stringify(response.headers).includes('evil.example'), false);
  });

  test('preflights are refused and no response carries Access-Control-Allow-* (D-12)', async () => {
    harness = await startHarness();
    const browser = harness.browser();
    for (const path of ['/api/ce/sfdc/oauth/url', '/api/ce/instances']) {
      const preflight = await browser.fetch(path, {
        method: 'OPTIONS',
        headers: {
          Origin: 'https://evil.example',
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'x-ce-connect, content-type',
        },
      });
      assert.equal(preflight.status, 403);
    }
    await browser.fetch('/api/ce/sfdc/oauth/url', { headers: { Origin: 'https://evil.example' } });
    await browser.startFlow('sfdc');
    for (const response of harness.responses) {
      for (const [name] of response.headers)
        assert.equal(name.startsWith('access-control-'), false, `${name} on ${response.url}`);
    }
  });
});

describe('D-13: upstream failures become generic JSON errors', () => {
  const jsonHeaders = (response) => {
    assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  };

  test('CE 500 with an HTML body → 502 with a generic message', async () => {
    const html = '<html><body>Internal error: apiSecret=api-secret-value stack at Foo.bar</body></html>';
    const { handler } = inProcessHandler({
      fetch: async () => new Response(html, { status: 500, headers: { 'Content-Type': 'text/html' } }),
    });
    const response = await handler(widgetRequest('/api/ce/sfdc/oauth/url'));
    assert.equal(response.status, 502);
    jsonHeaders(response);
    const body = await response.text();
    assert.deepEqual(JSON.parse(body), { message: 'Cloud Elements answered with an error' });
  });

  test('CE 200 with HTML, or without oauthUrl → 502', async () => {
    for (const text of ['<html>login</html>', '{"element":"sfdc"}', '[]']) {
      const { handler } = inProcessHandler({ fetch: async () => new Response(text, { status: 200 }) });
      const response = await handler(widgetRequest('/api/ce/sfdc/oauth/url'));
      assert.equal(response.status, 502);
      jsonHeaders(response);
    }
  });

  test('CE timeout → 504 when timeoutMs runs out, not before; CE unreachable → 502', async (t) => {
    // Mocked timers: the abort is driven by the test, so it is provably the timeoutMs timer, at exactly 50 ms.
    t.mock.timers.enable({ apis: ['setTimeout'] });
    let signal;
    let fetchCalled;
    const called = new Promise((resolve) => (fetchCalled = resolve));
    const hanging = (_input, init) => {
      signal = init.signal;
      fetchCalled();
      return new Promise((_resolve, reject) => init.signal.addEventListener('abort', () => reject(init.signal.reason)));
    };
    const logs = [];
    const { handler } = inProcessHandler({
      cloudElements: {
        baseUrl: 'https://ce.test/elements/api-v2',
        userSecret: 'u',
        organizationSecret: 'o',
        timeoutMs: 50,
      },
      fetch: hanging,
      log: (line) => logs.push(line),
    });
    let settled = false;
    const pending = handler(widgetRequest('/api/ce/sfdc/oauth/url')).finally(() => (settled = true));
    await called;
    t.mock.timers.tick(49);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(signal.aborted, false, 'not aborted before timeoutMs');
    assert.equal(settled, false);
    t.mock.timers.tick(1);
    assert.equal(signal.aborted, true, 'aborted when timeoutMs ran out');
    const response = await pending;
    assert.equal(response.status, 504);
    jsonHeaders(response);
    assert.ok(
      logs.some((line) => line.includes('failure=timeout')),
      logs.join('\n'),
    );
    t.mock.timers.reset();

    harness = await startHarness();
    await harness.close();
    const { handler: unreachable } = inProcessHandler({
      cloudElements: { baseUrl: `${harness.sandboxUrl}/elements/api-v2`, userSecret: 'u', organizationSecret: 'o' },
      fetch: undefined,
    });
    const refused = await unreachable(widgetRequest('/api/ce/sfdc/oauth/url'));
    assert.equal(refused.status, 502);
    assert.deepEqual(await refused.json(), { message: 'Cloud Elements could not be reached' });
    harness = undefined;
  });

  test('the CE error body never reaches the browser (sandbox failure scenario)', async () => {
    harness = await startHarness({ sandbox: { fail: { oauthUrl: 503 } } });
    const response = await harness.browser().startFlow('sfdc');
    assert.equal(response.status, 502);
    assert.equal(response.body.includes('Simulated'), false);
    assert.equal(response.body.includes('requestId'), false);
  });
});

describe('callback page rules (C-3, C-7, C-9) and D-18 cookies', () => {
  test('duplicate code, duplicate state, or code with error → invalid_request or neutral; no CE call (C-7)', async () => {
    harness = await startHarness();
    const browser = harness.browser();
    const first = (await browser.startFlow('sfdc')).json.state;
    const dupCode = pageResult((await browser.fetch(`/api/ce/sfdc/oauth/callback?code=a&code=b&state=${first}`)).body);
    assert.deepEqual({ state: dupCode.state, error: dupCode.error }, { state: first, error: 'invalid_request' });

    const second = (await browser.startFlow('sfdc')).json.state;
    const both = pageResult(
      (await browser.fetch(`/api/ce/sfdc/oauth/callback?code=a&error=access_denied&state=${second}`)).body,
    );
    assert.equal(both.error, 'invalid_request');

    const third = (await browser.startFlow('sfdc')).json.state;
    const dupState = await browser.fetch(`/api/ce/sfdc/oauth/callback?code=a&state=${third}&state=${third}`);
    assert.equal(dupState.status, 400);
    assert.equal(pageResult(dupState.body), null);

    const none = pageResult((await browser.fetch(`/api/ce/sfdc/oauth/callback?state=${third}`)).body);
    assert.equal(none.error, 'invalid_request');
    assert.equal(harness.instanceCalls().length, 0);
  });

  test('no state, an unknown state, or no cookie → the neutral page with a null result (C-9)', async () => {
    harness = await startHarness();
    const browser = harness.browser();
    for (const query of ['', '?code=abc', '?code=abc&state=unknown', `?code=abc&state=${'A'.repeat(43)}`]) {
      const page = await browser.fetch(`/api/ce/sfdc/oauth/callback${query}`);
      assert.equal(page.status, 400);
      assert.equal(pageResult(page.body), null);
      assert.match(page.body, /You can close this window/);
      assert.match(page.body, /src="\/api\/ce\/callback\.js"/, 'the script still runs to strip the URL (C-3)');
      assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
    }
    assert.equal(harness.instanceCalls().length, 0);
  });

  test('provider text in the page is escaped for the script data block', async () => {
    harness = await startHarness();
    const browser = harness.browser();
    const { state } = (await browser.startFlow('sfdc')).json;
    const description = '</script><script>alert(1)</script>\u2028&\u2029x';
    const query = new URLSearchParams({ error: 'access_denied', error_description: description, state });
    const page = await browser.fetch(`/api/ce/sfdc/oauth/callback?${query}`);
    assert.equal(page.body.includes('</script><script>'), false);
    assert.equal(page.body.includes('\u2028'), false);
    assert.match(page.body, /\\u003c\/script\\u003e/);
    assert.equal(pageResult(page.body).errorDescription, description);
  });

  test('flow cookie: HttpOnly, SameSite=Lax, Path={basePath}, 10 minutes, not Secure on http (D-18)', async () => {
    harness = await startHarness();
    const browser = harness.browser();
    await browser.startFlow('sfdc');
    const [cookie] = browser.lastSetCookies;
    // One cookie per flow, named after a digest of its state (#19 item 8).
    assert.match(cookie, /^ce-connect-flow-[A-Za-z0-9_-]{16}=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}; /);
    assert.match(cookie, /; Max-Age=600;/);
    assert.match(cookie, /; Path=\/api\/ce;/);
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Lax/);
    assert.doesNotMatch(cookie, /Secure/);
  });

  test('https callback URLs → a __Host- cookie with Secure and Path=/ (D-18)', async () => {
    const { handler } = inProcessHandler();
    const response = await handler(widgetRequest('/api/ce/sfdc/oauth/url'));
    const [cookie] = response.headers.getSetCookie();
    assert.match(cookie, /^__Host-ce-connect-flow-/);
    assert.match(cookie, /; Path=\/;/);
    assert.match(cookie, /; Secure/);
    assert.match(cookie, /; SameSite=Lax/);
    assert.match(cookie, /; HttpOnly/);
  });

  test('the flow cookie goes back to the callback route and POST /instances, and nowhere outside basePath (D-18 Path)', async () => {
    harness = await startHarness();
    const browser = harness.browser();
    const { state, location } = await authorize(browser, 'sfdc');
    const [name] = browser.cookieNames();
    assert.match(name, /^ce-connect-flow-/);
    const sentTo = (path) => browser.jar.getCookiesSync(`${harness.appUrl}${path}`).map((cookie) => cookie.key);
    assert.deepEqual(sentTo('/api/ce/sfdc/oauth/callback'), [name]);
    assert.deepEqual(sentTo('/api/ce/hubspot/oauth/callback'), [name]);
    assert.deepEqual(sentTo('/api/ce/instances'), [name]);
    for (const path of ['/', '/index.html', '/api/', '/api/cex/sfdc/oauth/callback', '/static/callback.html']) {
      assert.deepEqual(sentTo(path), [], `not sent to ${path}`);
    }
    // And the real navigation back from the provider carries it: the exchange happens.
    const result = pageResult((await browser.fetch(location.href)).body);
    assert.equal(result.state, state);
    assert.match(result.instanceId, /^\d+$/);
  });

  test('with basePath "/connect" the cookie path follows it: flow 4b completes, /api/ce never sees the cookie (D-18 Path)', async () => {
    harness = await startHarness({ server: { basePath: '/connect' }, callbackPath: () => '/static/callback.html' });
    const browser = harness.browser();
    const { state, location } = await authorize(browser, 'hubspot');
    assert.deepEqual(browser.jar.getCookiesSync(`${harness.appUrl}/api/ce/instances`), []);
    const response = await browser.postInstance({
      element: { key: 'hubspot' },
      providerData: { code: location.searchParams.get('code') },
      state,
    });
    assert.equal(response.status, 201, response.body);
    assert.equal(browser.cookieNames().length, 0, 'the consumed flow cookie is cleared under /connect too');
  });

  test('https callback URLs: the browser keeps the __Host- cookie and sends it back over https only (D-18 Secure)', async () => {
    harness = await startHarness({ appOrigin: 'https://app.test' });
    const browser = harness.browser();
    const { state, location } = await authorize(browser, 'sfdc');
    assert.equal(location.origin, 'https://app.test');
    const [cookie, ...others] = browser.jar.getCookiesSync('https://app.test/', { allPaths: true });
    assert.equal(others.length, 0);
    assert.match(cookie.key, /^__Host-ce-connect-flow-/);
    assert.deepEqual(
      {
        secure: cookie.secure,
        httpOnly: cookie.httpOnly,
        hostOnly: cookie.hostOnly,
        path: cookie.path,
        sameSite: cookie.sameSite,
      },
      { secure: true, httpOnly: true, hostOnly: true, path: '/', sameSite: 'lax' },
    );
    assert.equal(
      browser.jar.getCookieStringSync('http://app.test/api/ce/sfdc/oauth/callback'),
      '',
      'never over plain http',
    );
    assert.equal(browser.jar.getCookieStringSync('https://other.app.test/api/ce/sfdc/oauth/callback'), '', 'host-only');
    const page = await browser.fetch(location.href);
    const result = pageResult(page.body);
    assert.equal(result.state, state);
    assert.match(result.instanceId, /^\d+$/);
    assert.equal(browser.cookieNames().length, 0, 'the consumed flow cookie is cleared');
  });

  test('a cookie withheld as SameSite=Strict would be → neutral page and a clear log reason (D-18)', async () => {
    harness = await startHarness();
    const browser = harness.browser();
    const { location } = await authorize(browser);
    browser.jar.removeAllCookiesSync(); // what a Strict cookie does on the provider's cross-site redirect
    const page = await browser.fetch(location.href);
    assert.equal(pageResult(page.body), null);
    assert.ok(harness.logs.some((line) => line.includes('callback.rejected element=sfdc reason=no-flow-cookie')));
    assert.equal(harness.instanceCalls().length, 0);
  });
});

test('D-14 / D-1: over every path, no secret, code, state or token in a log line or a response body', async () => {
  harness = await startHarness({ sandbox: { latencyMs: 0 } });
  const browser = harness.browser();
  const codes = [];
  const states = [];
  const note = ({ state, location }) => {
    states.push(state);
    if (location.searchParams.get('code')) codes.push(location.searchParams.get('code'));
    return location;
  };
  // 4a success, Deny, replay, mix-up, bad params.
  const success = note(await authorize(browser, 'sfdc'));
  await browser.fetch(success.href);
  await browser.fetch(success.href);
  await browser.fetch(note(await authorize(browser, 'hubspot', 'deny')).href);
  const mixed = note(await authorize(browser, 'sfdc'));
  await browser.fetch(mixed.href.replace('/sfdc/', '/hubspot/'));
  // 4b success, refused, mismatch.
  const fourB = await authorize(browser, 'hubspot');
  note(fourB);
  const code = fourB.location.searchParams.get('code');
  await browser.postInstance(
    { element: { key: 'hubspot' }, providerData: { code }, state: fourB.state },
    { Origin: 'https://evil.example' },
  );
  await browser.postInstance({ element: { key: 'hubspot' }, providerData: { code }, state: fourB.state });
  await browser.postInstance({ element: { key: 'hubspot' }, providerData: { code }, state: fourB.state });
  // CE failures.
  harness.sandbox.configure({ fail: { instances: 500 } });
  await browser.fetch(note(await authorize(browser, 'sfdc')).href);
  harness.sandbox.configure({ fail: { oauthUrl: 401 } });
  await browser.startFlow('sfdc');
  harness.sandbox.configure({ fail: {} });

  const values = [...forbiddenValues(harness), ...codes, ...states];
  assert.equal(codes.length, 4);
  assert.equal(states.length, 5);
  assert.equal(harness.sandbox.instances().length, 2);
  assert.ok(harness.logs.length >= 8, 'the paths produced log lines');
  for (const line of harness.logs) {
    for (const value of values) assert.equal(line.includes(value), false, `log line leaks a value: ${line}`);
  }
  const tokens = harness.sandbox.instances().map((instance) => instance.token);
  for (const response of harness.responses) {
    for (const value of [...Object.values(SECRETS), ...tokens]) {
      assert.equal(response.body.includes(value), false, `${response.url} leaks a secret`);
    }
  }
});
