// ce-connect/sandbox: the Cloud Elements API emulation and the provider consent pages, driven in process.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ELEMENT_NAMES } from '../../lib/elements.js';
import { createSandbox, sandboxCatalogue } from '../../lib/sandbox/index.js';
import { manualClock } from './support/harness.mjs';

const ORIGIN = 'http://sandbox.test';
const AUTH = 'User sandbox-user-secret, Organization sandbox-organization-secret';
const APP = { apiKey: 'app-key', apiSecret: 'app-secret', callbackUrl: 'https://app.test/cb?tenant=7' };
const REQUEST_ID = /^[0-9a-f]{24}$/;

function call(sandbox, path, { method = 'GET', body, headers = {} } = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers['Content-Type'] ??= 'application/json';
  }
  return sandbox.handler(new Request(`${ORIGIN}${path}`, init));
}

async function json(response) {
  return { status: response.status, headers: response.headers, body: await response.json() };
}

async function oauthUrl(sandbox, element = 'sfdc', params = APP, headers = { Authorization: AUTH }) {
  return json(
    await call(sandbox, `/elements/api-v2/elements/${element}/oauth/url`, { method: 'POST', body: params, headers }),
  );
}

/** Shows the consent page for `url` and submits one of its buttons; returns the redirect target. */
async function consent(sandbox, url, decision = 'allow') {
  const page = await sandbox.handler(new Request(url));
  const html = await page.text();
  assert.equal(page.status, 200, html);
  const action = /<form method="post" action="([^"]+)"/.exec(html)[1];
  const id = /name="consent" value="([^"]+)"/.exec(html)[1];
  const response = await sandbox.handler(
    new Request(new URL(action, url), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ consent: id, decision }).toString(),
    }),
  );
  assert.equal(response.status, 303);
  return { location: new URL(response.headers.get('location')), response, html, id, action };
}

async function codeFor(sandbox, element = 'sfdc', params = APP) {
  const { body } = await oauthUrl(sandbox, element, params);
  const { location } = await consent(sandbox, body.oauthUrl);
  return location.searchParams.get('code');
}

function instanceBody(code, overrides = {}) {
  return {
    element: { key: 'sfdc' },
    providerData: { code },
    configuration: {
      'oauth.callback.url': APP.callbackUrl,
      'oauth.api.key': APP.apiKey,
      'oauth.api.secret': APP.apiSecret,
      'filter.response.nulls': true,
    },
    tags: ['demo'],
    name: 'My Salesforce',
    ...overrides,
  };
}

function createInstance(sandbox, body, path = '/elements/api-v2/instances') {
  return call(sandbox, path, { method: 'POST', body, headers: { Authorization: AUTH } }).then(json);
}

function assertCeError(result, status, message) {
  assert.equal(result.status, status);
  assert.match(result.body.requestId, REQUEST_ID);
  assert.equal(result.headers.get('elements-request-id'), result.body.requestId);
  if (message instanceof RegExp) assert.match(result.body.message, message);
  else assert.equal(result.body.message, message);
}

describe('oauth/url', () => {
  test('POST with a JSON body → {element, oauthUrl}; the sfdc URL carries client_secret; POST ignores state', async () => {
    const sandbox = createSandbox();
    // Nothing shows the real POST variant honours state (CHURROS testOAuthUrlPost sends none): the element key comes back.
    const { status, body } = await oauthUrl(sandbox, 'sfdc', { ...APP, state: 'abc' });
    assert.equal(status, 200);
    assert.deepEqual(Object.keys(body).sort(), ['element', 'oauthUrl']);
    assert.equal(body.element, 'sfdc');
    const url = new URL(body.oauthUrl);
    assert.equal(url.origin, ORIGIN);
    assert.equal(url.pathname, '/oauth/sfdc/services/oauth2/authorize');
    assert.equal(url.searchParams.get('response_type'), 'code');
    assert.equal(url.searchParams.get('client_id'), APP.apiKey);
    assert.equal(url.searchParams.get('client_secret'), APP.apiSecret);
    assert.equal(url.searchParams.get('redirect_uri'), APP.callbackUrl);
    assert.equal(url.searchParams.get('state'), 'sfdc');
    assert.equal(url.searchParams.get('scope'), 'full refresh_token');
    const viaGet = await json(
      await call(sandbox, `/elements/api-v2/elements/sfdc/oauth/url?${new URLSearchParams({ ...APP, state: 'abc' })}`),
    );
    assert.equal(new URL(viaGet.body.oauthUrl).searchParams.get('state'), 'abc', 'GET honours it');
  });

  test('GET with query parameters, by numeric id; the state defaults to the element key; box has no client_secret', async () => {
    const sandbox = createSandbox();
    const boxId = sandboxCatalogue.find((e) => e.key === 'box').id;
    const query = new URLSearchParams({ ...APP, scope: 'root_readwrite' });
    const { status, body } = await json(await call(sandbox, `/elements/api-v2/elements/${boxId}/oauth/url?${query}`));
    assert.equal(status, 200);
    assert.equal(body.element, 'box');
    const url = new URL(body.oauthUrl);
    assert.equal(url.searchParams.get('state'), 'box');
    assert.equal(url.searchParams.get('scope'), 'root_readwrite');
    assert.equal(url.searchParams.has('client_secret'), false);
  });

  test('publicUrl sets the origin of the consent URL', async () => {
    const sandbox = createSandbox({ publicUrl: 'http://127.0.0.1:9999/ignored/path' });
    const { body } = await oauthUrl(sandbox);
    assert.equal(new URL(body.oauthUrl).origin, 'http://127.0.0.1:9999');
  });

  test('a missing apiKey, apiSecret or callbackUrl → 400 naming it; unknown element → 404', async () => {
    const sandbox = createSandbox();
    for (const missing of ['apiKey', 'apiSecret', 'callbackUrl']) {
      const params = { ...APP };
      delete params[missing];
      assertCeError(await oauthUrl(sandbox, 'sfdc', params), 400, `Missing required parameter: ${missing}`);
    }
    assertCeError(await oauthUrl(sandbox, 'sfdc', { ...APP, callbackUrl: '/relative' }), 400, /absolute http\(s\) URL/);
    assertCeError(
      await oauthUrl(sandbox, 'sfdc', { ...APP, callbackUrl: 'javascript:alert(1)' }),
      400,
      /absolute http\(s\) URL/,
    );
    assertCeError(await oauthUrl(sandbox, 'nosuchelement'), 404, /nosuchelement/);
    assertCeError(
      await json(await call(sandbox, '/elements/api-v2/elements/sfdc/oauth/url', { method: 'POST', body: '{' })),
      400,
      /JSON object/,
    );
  });
});

describe('Authorization: User …, Organization …', () => {
  test('oauth/url accepts no header, any order and an extra Element part, and refuses wrong secrets', async () => {
    const sandbox = createSandbox();
    assert.equal((await oauthUrl(sandbox, 'sfdc', APP, {})).status, 200);
    const reordered = 'Element abc, Organization sandbox-organization-secret, User sandbox-user-secret';
    assert.equal((await oauthUrl(sandbox, 'sfdc', APP, { Authorization: reordered })).status, 200);
    for (const wrong of [
      'User nope, Organization sandbox-organization-secret',
      'User sandbox-user-secret',
      'Bearer x',
    ]) {
      assertCeError(
        await oauthUrl(sandbox, 'sfdc', APP, { Authorization: wrong }),
        401,
        'Invalid Organization or User secret, or invalid Element token provided.',
      );
    }
  });

  test('the instance endpoints require the header', async () => {
    const sandbox = createSandbox({ userSecret: 'u1', organizationSecret: 'o1' });
    for (const [path, method] of [
      ['/instances', 'GET'],
      ['/instances', 'POST'],
      ['/instances/4001', 'GET'],
      ['/instances/4001', 'DELETE'],
    ]) {
      const result = await json(
        await call(sandbox, `/elements/api-v2${path}`, { method, body: method === 'POST' ? {} : undefined }),
      );
      assertCeError(result, 401, 'Invalid Organization or User secret, or invalid Element token provided.');
      const wrong = await json(
        await call(sandbox, `/elements/api-v2${path}`, { method, headers: { Authorization: AUTH } }),
      );
      assert.equal(wrong.status, 401, 'the default secrets are not the configured ones');
    }
    const ok = await call(sandbox, '/elements/api-v2/instances', {
      headers: { Authorization: 'Organization o1, User u1' },
    });
    assert.equal(ok.status, 200);
  });
});

describe('consent pages', () => {
  test('show the element, brand colour, app name and scope, with real Allow and Deny buttons and a nonce CSP', async () => {
    const sandbox = createSandbox({ appName: 'Acme <CRM>' });
    const { body } = await oauthUrl(sandbox, 'hubspot', { ...APP, scope: 'contacts content' });
    const page = await sandbox.handler(new Request(body.oauthUrl));
    const html = await page.text();
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(html, /<h1>HubSpot<\/h1>/);
    assert.match(html, /#FF7A59/);
    assert.match(html, /Acme &lt;CRM&gt;/);
    assert.match(html, /<code>contacts<\/code>/);
    assert.match(html, /<button type="submit" name="decision" value="allow">Allow<\/button>/);
    assert.match(html, /<button type="submit" name="decision" value="deny">Deny<\/button>/);
    const csp = page.headers.get('content-security-policy');
    const nonce = /style-src 'nonce-([^']+)'/.exec(csp)[1];
    assert.match(html, new RegExp(`<style nonce="${nonce.replace(/[+/=]/g, '\\$&')}">`));
    assert.match(csp, /form-action 'self' https:\/\/app\.test/);
    assert.equal(page.headers.get('cross-origin-opener-policy'), null);
  });

  test('Allow → 303 to the callback with code and state, keeping its own query', async () => {
    const sandbox = createSandbox();
    const query = new URLSearchParams({ ...APP, state: 'my-state' });
    const { body } = await json(await call(sandbox, `/elements/api-v2/elements/sfdc/oauth/url?${query}`));
    const { location } = await consent(sandbox, body.oauthUrl, 'allow');
    assert.equal(`${location.origin}${location.pathname}`, 'https://app.test/cb');
    assert.equal(location.searchParams.get('tenant'), '7');
    assert.equal(location.searchParams.get('state'), 'my-state');
    assert.match(location.searchParams.get('code'), /^[A-Za-z0-9_-]{20}$/);
  });

  test('Deny → 303 with error=access_denied, a description and the state; a decided page cannot be reused', async () => {
    const sandbox = createSandbox();
    const { body } = await oauthUrl(sandbox);
    const { location, action, id } = await consent(sandbox, body.oauthUrl, 'deny');
    assert.equal(location.searchParams.get('error'), 'access_denied');
    assert.ok(location.searchParams.get('error_description'));
    assert.equal(location.searchParams.get('state'), 'sfdc');
    assert.equal(location.searchParams.has('code'), false);
    const again = await sandbox.handler(
      new Request(new URL(action, body.oauthUrl), {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ consent: id, decision: 'allow' }).toString(),
      }),
    );
    assert.equal(again.status, 400);
    assert.equal(again.headers.get('location'), null);
  });

  test('a consent page left open for 10 minutes (sandbox clock) can no longer be decided', async () => {
    const clock = manualClock();
    const sandbox = createSandbox({ now: clock.now });
    const { body } = await oauthUrl(sandbox);
    const decideAfter = async (ms) => {
      const page = await (await sandbox.handler(new Request(body.oauthUrl))).text();
      const action = /<form method="post" action="([^"]+)"/.exec(page)[1];
      const id = /name="consent" value="([^"]+)"/.exec(page)[1];
      clock.advance(ms);
      return sandbox.handler(
        new Request(new URL(action, body.oauthUrl), {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ consent: id, decision: 'allow' }).toString(),
        }),
      );
    };
    assert.equal((await decideAfter(10 * 60 * 1000 - 1)).status, 303, 'still open a millisecond before');
    const late = await decideAfter(10 * 60 * 1000);
    assert.equal(late.status, 400);
    assert.equal(late.headers.get('location'), null);
  });

  test('an unknown client_id or redirect_uri gets an error page and no redirect', async () => {
    const sandbox = createSandbox();
    const { body } = await oauthUrl(sandbox);
    for (const [name, value] of [
      ['client_id', 'other'],
      ['redirect_uri', 'https://evil.example/cb'],
      ['response_type', 'token'],
    ]) {
      const url = new URL(body.oauthUrl);
      url.searchParams.set(name, value);
      const page = await sandbox.handler(new Request(url));
      assert.equal(page.status, 400, name);
      assert.equal(page.headers.get('location'), null);
      assert.match(await page.text(), /role="alert"/);
    }
  });

  test('coop: true (at creation or via configure) sends Cross-Origin-Opener-Policy: same-origin', async () => {
    const sandbox = createSandbox();
    const { body } = await oauthUrl(sandbox);
    sandbox.configure({ coop: true });
    const page = await sandbox.handler(new Request(body.oauthUrl));
    assert.equal(page.headers.get('cross-origin-opener-policy'), 'same-origin');
    const { response } = await consent(sandbox, body.oauthUrl);
    assert.equal(response.headers.get('cross-origin-opener-policy'), 'same-origin');
    const withCoop = createSandbox({ coop: true });
    const created = await oauthUrl(withCoop);
    assert.equal(
      (await withCoop.handler(new Request(created.body.oauthUrl))).headers.get('cross-origin-opener-policy'),
      'same-origin',
    );
  });

  test('autoDecision answers without a page', async () => {
    const sandbox = createSandbox({ autoDecision: 'deny' });
    const { body } = await oauthUrl(sandbox);
    const response = await sandbox.handler(new Request(body.oauthUrl));
    assert.equal(response.status, 303);
    assert.equal(new URL(response.headers.get('location')).searchParams.get('error'), 'access_denied');
  });
});

describe('POST /instances', () => {
  test("creates an instance shaped like Cloud Elements' answer, secrets masked, a fresh 44-char token", async () => {
    const sandbox = createSandbox();
    const code = await codeFor(sandbox);
    const { status, body, headers } = await createInstance(sandbox, instanceBody(code));
    assert.equal(status, 200);
    assert.match(headers.get('elements-request-id'), REQUEST_ID);
    assert.equal(typeof body.id, 'number');
    assert.equal(body.name, 'My Salesforce');
    assert.match(body.token, /^[A-Za-z0-9+/]{43}=$/);
    assert.deepEqual(
      { id: body.element.id, key: body.element.key, name: body.element.name },
      { id: sandboxCatalogue[0].id, key: 'sfdc', name: 'Salesforce' },
    );
    assert.equal(body.elementId, body.element.id);
    assert.equal(body.valid, true);
    assert.deepEqual(body.tags, ['demo']);
    assert.match(body.createdDate, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(body.configuration, {
      'oauth.callback.url': APP.callbackUrl,
      'oauth.api.key': '********',
      'oauth.api.secret': '********',
      'filter.response.nulls': true,
    });
    assert.deepEqual(Object.keys(body.user).sort(), ['emailAddress', 'firstName', 'id', 'lastName']);
    assert.equal('providerData' in body, false);
    assert.equal(JSON.stringify(body).includes(APP.apiSecret), false);
    assert.deepEqual(sandbox.instances(), [body]);
  });

  test('POST /elements/{key}/instances works too; a body naming another element is refused', async () => {
    const sandbox = createSandbox();
    const code = await codeFor(sandbox);
    const bad = await createInstance(
      sandbox,
      instanceBody(code, { element: { key: 'box' } }),
      '/elements/api-v2/elements/sfdc/instances',
    );
    assertCeError(bad, 400, /does not match the element in the path/);
    const { status } = await createInstance(
      sandbox,
      instanceBody(code, { element: undefined }),
      '/elements/api-v2/elements/sfdc/instances',
    );
    assert.equal(status, 200);
  });

  test("a missing code → 400 with Cloud Elements' message", async () => {
    const sandbox = createSandbox();
    assertCeError(
      await createInstance(sandbox, instanceBody(undefined, { providerData: {} })),
      400,
      'You must provide an OAuth code in order to create an instance of this element',
    );
  });

  test('codes are single-use', async () => {
    const sandbox = createSandbox();
    const code = await codeFor(sandbox);
    assert.equal((await createInstance(sandbox, instanceBody(code))).status, 200);
    const again = await createInstance(sandbox, instanceBody(code));
    assertCeError(again, 400, 'The OAuth code has already been used');
    assert.match(again.body.providerMessage, /^invalid_grant/);
    assertCeError(await createInstance(sandbox, instanceBody('made-up')), 400, 'The OAuth code is not valid');
  });

  test('codes expire after codeTtlMs, on the sandbox clock (the `now` option)', async () => {
    const clock = manualClock();
    const sandbox = createSandbox({ codeTtlMs: 20, now: clock.now });
    const onTime = await codeFor(sandbox);
    const code = await codeFor(sandbox);
    clock.advance(19);
    assert.equal(
      (await createInstance(sandbox, instanceBody(onTime))).status,
      200,
      'redeemable until its last millisecond',
    );
    clock.advance(1);
    const late = await createInstance(sandbox, instanceBody(code));
    assertCeError(late, 400, 'The OAuth code has expired');
    assert.equal(late.body.providerMessage, 'invalid_grant: expired authorization code');
  });

  test('an expired code stays refused as expired a minute on, then is forgotten (unknown)', async () => {
    const clock = manualClock();
    const sandbox = createSandbox({ codeTtlMs: 1000, now: clock.now });
    const code = await codeFor(sandbox);
    clock.advance(1000 + 60_000);
    await codeFor(sandbox); // issuing a code sweeps codes that expired over a minute ago
    assertCeError(await createInstance(sandbox, instanceBody(code)), 400, 'The OAuth code has expired');
    const other = await codeFor(sandbox);
    clock.advance(1000 + 60_001);
    await codeFor(sandbox);
    assertCeError(await createInstance(sandbox, instanceBody(other)), 400, 'The OAuth code is not valid');
  });

  test("createdDate is the sandbox clock's time, to the second", async () => {
    const clock = manualClock(Date.UTC(2031, 4, 6, 7, 8, 9, 999));
    const sandbox = createSandbox({ now: clock.now });
    const { body } = await createInstance(sandbox, instanceBody(await codeFor(sandbox)));
    assert.equal(body.createdDate, '2031-05-06T07:08:09Z');
  });

  test('a key, secret or callback URL differing from the oauth/url call → 400 naming which one', async () => {
    const sandbox = createSandbox();
    const cases = [
      ['oauth.api.key', 'other-key', /^oauth\.api\.key does not match the API key/, /^invalid_grant/],
      ['oauth.api.secret', 'other-secret', /^oauth\.api\.secret does not match the API secret/, /^invalid_client/],
      [
        'oauth.callback.url',
        'https://app.test/other',
        /^oauth\.callback\.url does not match the callback URL/,
        /^redirect_uri_mismatch$/,
      ],
    ];
    for (const [field, value, message, providerMessage] of cases) {
      const body = instanceBody(await codeFor(sandbox));
      body.configuration[field] = value;
      const result = await createInstance(sandbox, body);
      assertCeError(result, 400, message);
      assert.match(result.body.providerMessage, providerMessage);
    }
    const hubspotCode = await codeFor(sandbox, 'hubspot');
    assertCeError(
      await createInstance(sandbox, instanceBody(hubspotCode)),
      400,
      /issued for element 'hubspot', not 'sfdc'/,
    );
    assert.equal(sandbox.instances().length, 0);
  });
});

describe('instance CRUD, scenarios and reset', () => {
  test('GET /instances, GET and DELETE /instances/{id}, 404 for unknown ids', async () => {
    const sandbox = createSandbox();
    const first = (await createInstance(sandbox, instanceBody(await codeFor(sandbox)))).body;
    const second = (await createInstance(sandbox, instanceBody(await codeFor(sandbox), { name: 'Second' }))).body;
    const headers = { Authorization: AUTH };
    const list = await json(await call(sandbox, '/elements/api-v2/instances', { headers }));
    assert.deepEqual(
      list.body.map((i) => i.id),
      [first.id, second.id],
    );
    const one = await json(await call(sandbox, `/elements/api-v2/instances/${second.id}`, { headers }));
    assert.equal(one.body.token, second.token);
    const deleted = await call(sandbox, `/elements/api-v2/instances/${first.id}`, { method: 'DELETE', headers });
    assert.equal(deleted.status, 200);
    assert.match(deleted.headers.get('elements-request-id'), REQUEST_ID);
    assertCeError(
      await json(await call(sandbox, `/elements/api-v2/instances/${first.id}`, { headers })),
      404,
      /No instance/,
    );
    assertCeError(await json(await call(sandbox, '/elements/api-v2/instances/abc', { headers })), 404, /No instance/);
    assertCeError(
      await json(await call(sandbox, '/elements/api-v2/instances/1', { method: 'PATCH', headers })),
      405,
      /not allowed/,
    );
    assertCeError(await json(await call(sandbox, '/elements/api-v2/nothing', { headers })), 404, 'Not found');
    assert.deepEqual(
      sandbox.instances().map((i) => i.name),
      ['Second'],
    );
  });

  test('tags from POST /instances are kept; GET /instances?tags[]= lists the instances carrying every tag given', async () => {
    const sandbox = createSandbox();
    const a = (await createInstance(sandbox, instanceBody(await codeFor(sandbox), { tags: ['flow-a', 'team'] }))).body;
    const b = (await createInstance(sandbox, instanceBody(await codeFor(sandbox), { tags: ['flow-b', 'team'] }))).body;
    assert.deepEqual(
      [a.tags, b.tags],
      [
        ['flow-a', 'team'],
        ['flow-b', 'team'],
      ],
    );
    const headers = { Authorization: AUTH };
    const ids = async (query) =>
      (await json(await call(sandbox, `/elements/api-v2/instances${query}`, { headers }))).body.map((i) => i.id);
    assert.deepEqual(await ids('?tags[]=flow-a'), [a.id]);
    assert.deepEqual(await ids('?tags%5B%5D=flow-b'), [b.id], 'the encoded form of tags[] too');
    assert.deepEqual(await ids('?tags[]=team'), [a.id, b.id]);
    assert.deepEqual(await ids('?tags[]=team&tags[]=flow-b'), [b.id], 'every tag given');
    assert.deepEqual(await ids('?tags[]=flow-a&tags[]=flow-b'), []);
    assert.deepEqual(await ids('?tags[]=nobody'), []);
    assert.deepEqual(await ids(''), [a.id, b.id]);
  });

  test('latencyMs delays API responses by exactly that long; fail answers with a CE error body', async (t) => {
    // Mocked timers: the test decides when 60 ms have passed, so the check is exact and never waits.
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const sandbox = createSandbox({ latencyMs: 60 });
    let settled = false;
    const delayed = oauthUrl(sandbox).finally(() => (settled = true));
    t.mock.timers.tick(59);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, false, 'no answer before latencyMs');
    t.mock.timers.tick(1);
    assert.equal((await delayed).status, 200);
    const page = await sandbox.handler(new Request((await delayed).body.oauthUrl));
    assert.equal(page.status, 200, 'consent pages are not API responses: no delay (no tick needed)');
    t.mock.timers.reset();
    sandbox.configure({ latencyMs: 0, fail: { oauthUrl: 503, instances: 500 } });
    assertCeError(await oauthUrl(sandbox), 503, /Simulated failure/);
    assertCeError(await createInstance(sandbox, instanceBody('x')), 500, /Simulated failure/);
    sandbox.configure({ fail: {} });
    assert.equal((await oauthUrl(sandbox)).status, 200);
  });

  test('reset() forgets instances and codes and restores the creation options', async () => {
    const sandbox = createSandbox({ appName: 'Original' });
    const code = await codeFor(sandbox);
    await createInstance(sandbox, instanceBody(await codeFor(sandbox)));
    sandbox.configure({ appName: 'Changed', coop: true });
    sandbox.reset();
    assert.deepEqual(sandbox.instances(), []);
    assertCeError(await createInstance(sandbox, instanceBody(code)), 400, 'The OAuth code is not valid');
    const { body } = await oauthUrl(sandbox);
    const page = await sandbox.handler(new Request(body.oauthUrl));
    assert.match(await page.text(), /Original/);
    assert.equal(page.headers.get('cross-origin-opener-policy'), null);
  });

  test('requests() lists the API calls answered, by path without the query (which may carry an app secret)', async () => {
    const clock = manualClock(Date.UTC(2031, 0, 1));
    const sandbox = createSandbox({ now: clock.now });
    const query = new URLSearchParams(APP);
    await call(sandbox, `/elements/api-v2/elements/box/oauth/url?${query}`);
    await createInstance(sandbox, instanceBody('made-up'));
    assert.deepEqual(sandbox.requests(), [
      { method: 'GET', path: '/elements/api-v2/elements/box/oauth/url', status: 200, at: '2031-01-01T00:00:00.000Z' },
      { method: 'POST', path: '/elements/api-v2/instances', status: 400, at: '2031-01-01T00:00:00.000Z' },
    ]);
    assert.equal(JSON.stringify(sandbox.requests()).includes(APP.apiSecret), false);
    sandbox.reset();
    assert.deepEqual(sandbox.requests(), []);
  });

  test('instances() returns copies; paths outside the sandbox are not its own', async () => {
    const sandbox = createSandbox();
    await createInstance(sandbox, instanceBody(await codeFor(sandbox)));
    sandbox.instances()[0].name = 'changed';
    assert.equal(sandbox.instances()[0].name, 'My Salesforce');
    assert.equal(await sandbox.handler(new Request(`${ORIGIN}/api/ce/sfdc/oauth/url`)), undefined);
    assert.equal(await sandbox.handler(new Request(`${ORIGIN}/oauth/sfdc/elsewhere`)), undefined);
  });

  test('invalid options are refused with a TypeError', () => {
    assert.throws(() => createSandbox({ latencyMs: -1 }), TypeError);
    // setTimeout fires a longer delay after 1 ms: refused rather than silently no delay at all.
    assert.throws(() => createSandbox({ latencyMs: 2 ** 31 }), /latencyMs must be a number ≥ 0 and ≤ 2147483647/);
    assert.throws(() => createSandbox().configure({ latencyMs: Number.MAX_SAFE_INTEGER }), TypeError);
    createSandbox({ latencyMs: 2 ** 31 - 1 });
    assert.throws(() => createSandbox({ fail: { instances: 200 } }), TypeError);
    assert.throws(() => createSandbox({ publicUrl: 'ftp://x' }), TypeError);
    assert.throws(() => createSandbox({ userSecret: 'a, b' }), TypeError);
    assert.throws(() => createSandbox().configure({ autoDecision: 'maybe' }), TypeError);
    assert.throws(() => createSandbox({ now: 1_700_000_000_000 }), /now must be a function/);
  });
});

test('the catalogue: at least 19 elements, named from the package names, each with a colour and a way to connect', () => {
  assert.ok(sandboxCatalogue.length >= 19);
  const keys = new Set();
  for (const key of Object.keys(ELEMENT_NAMES))
    assert.ok(
      sandboxCatalogue.some((e) => e.key === key),
      key,
    );
  let fromPackage = 0;
  for (const element of sandboxCatalogue) {
    if (Object.hasOwn(ELEMENT_NAMES, element.key)) {
      assert.equal(element.name, ELEMENT_NAMES[element.key], `${element.key} takes the package's name`);
      fromPackage += 1;
    }
    assert.ok(element.name.length > 0 && element.name !== element.key, element.key);
    assert.match(element.brandColour, /^#[0-9A-F]{6}$/i);
    if (element.auth === 'credentials') assert.ok(element.credentials.length > 0, element.key);
    else assert.match(element.authorizePath ?? element.oauth1AuthorizePath, /^\/[\w./-]+$/);
    assert.equal(typeof element.id, 'number');
    keys.add(element.key);
  }
  assert.equal(fromPackage, Object.keys(ELEMENT_NAMES).length);
  assert.equal(keys.size, sandboxCatalogue.length);
  assert.ok(Object.isFrozen(sandboxCatalogue));
});
