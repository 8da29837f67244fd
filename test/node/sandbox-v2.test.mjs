// ce-connect/sandbox, version 2 (contract §12): PUT /instances/{id} (re-authorise), tag filters, invalidate(id)
// and listen(), over real HTTP on loopback. Expiry runs on the sandbox's injected clock: no test sleeps.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { afterEach, describe, test } from 'node:test';
import { createSandbox } from '../../lib/sandbox/index.js';
import { manualClock } from './support/harness.mjs';

const AUTH = 'User sandbox-user-secret, Organization sandbox-organization-secret';
const APP = { apiKey: 'app-key', apiSecret: 'app-secret', callbackUrl: 'https://app.test/cb?tenant=7' };
const REQUEST_ID = /^[0-9a-f]{24}$/;

/** Servers started by a test, closed after it. */
const open = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((server) => server.close()));
});

/** A sandbox served on loopback through `listen()`. */
async function served(options = {}) {
  const sandbox = createSandbox(options);
  const server = await sandbox.listen();
  open.push(server);
  return { sandbox, server };
}

/** A Cloud Elements API call over HTTP; resolves with status, headers and the parsed JSON body (or null). */
async function api(server, path, { method = 'GET', body, auth = AUTH } = {}) {
  const headers = {
    ...(auth && { Authorization: auth }),
    ...(body !== undefined && { 'Content-Type': 'application/json' }),
  };
  const response = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
}

/** oauth/url, the consent page and Allow, as a browser would over HTTP: resolves with the code. */
async function codeFor(server, element = 'sfdc', app = APP) {
  const { status, body } = await api(server, `/elements/${element}/oauth/url`, { method: 'POST', body: app });
  assert.equal(status, 200, JSON.stringify(body));
  const page = await fetch(body.oauthUrl);
  const html = await page.text();
  assert.equal(page.status, 200, html);
  const action = new URL(/<form method="post" action="([^"]+)"/.exec(html)[1], body.oauthUrl);
  const consent = /name="consent" value="([^"]+)"/.exec(html)[1];
  const decision = await fetch(action, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ consent, decision: 'allow' }).toString(),
  });
  assert.equal(decision.status, 303);
  return new URL(decision.headers.get('location')).searchParams.get('code');
}

/** The create (or re-authorise) body the server helper sends: the one config entry's key, secret and callback. */
function instanceBody(code, { app = APP, ...overrides } = {}) {
  return {
    element: { key: 'sfdc' },
    providerData: { code },
    configuration: {
      'oauth.callback.url': app.callbackUrl,
      'oauth.api.key': app.apiKey,
      'oauth.api.secret': app.apiSecret,
    },
    tags: ['owner-a'],
    name: 'My Salesforce',
    ...overrides,
  };
}

async function create(server, overrides) {
  const created = await api(server, '/instances', {
    method: 'POST',
    body: instanceBody(await codeFor(server), overrides),
  });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  return created.body;
}

function assertCeError(result, status, message) {
  assert.equal(result.status, status, JSON.stringify(result.body));
  assert.match(result.body.requestId, REQUEST_ID);
  assert.equal(result.headers.get('elements-request-id'), result.body.requestId);
  if (message instanceof RegExp) assert.match(result.body.message, message);
  else assert.equal(result.body.message, message);
}

describe('listen()', () => {
  test('a ready server on 127.0.0.1 and a free port; baseUrl = origin + /elements/api-v2; consent URLs use the origin', async () => {
    const { server } = await served();
    assert.match(server.origin, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(server.port, Number(new URL(server.origin).port));
    assert.notEqual(server.port, 0);
    assert.equal(server.address, '127.0.0.1');
    assert.equal(server.baseUrl, `${server.origin}/elements/api-v2`);
    const { status, body } = await api(server, '/elements/sfdc/oauth/url', { method: 'POST', body: APP });
    assert.equal(status, 200);
    assert.equal(new URL(body.oauthUrl).origin, server.origin);
    // A path that is not the sandbox's: the plain node:http 404.
    const other = await fetch(`${server.origin}/elsewhere`);
    assert.equal(other.status, 404);
    assert.deepEqual(await other.json(), { message: 'Not found' });
  });

  test('close() stops it (twice is fine); the same sandbox can listen again, keeping its instances', async () => {
    const sandbox = createSandbox();
    const first = await sandbox.listen();
    const instance = await create(first);
    await first.close();
    await first.close();
    await assert.rejects(
      fetch(`${first.baseUrl}/instances`, { headers: { Authorization: AUTH } }),
      TypeError,
      'nothing listens any more',
    );
    const second = await sandbox.listen({ port: 0, host: '127.0.0.1' });
    open.push(second);
    assert.notEqual(second.origin, first.origin);
    assert.deepEqual(
      (await api(second, '/instances')).body.map((i) => i.id),
      [instance.id],
    );
  });

  test('a given port is used; a port in use rejects with EADDRINUSE; invalid options are a TypeError', async () => {
    const blocker = createServer();
    await new Promise((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address();
    const sandbox = createSandbox();
    try {
      await assert.rejects(sandbox.listen({ port }), { code: 'EADDRINUSE' });
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
    const server = await sandbox.listen({ port });
    open.push(server);
    assert.equal(server.origin, `http://127.0.0.1:${port}`);
    for (const options of [{ port: -1 }, { port: 65536 }, { port: 1.5 }, { port: '80' }, { host: '' }, { host: 7 }]) {
      await assert.rejects(sandbox.listen(options), TypeError, JSON.stringify(options));
    }
  });

  test('a wildcard bind hands out a loopback origin', async () => {
    const sandbox = createSandbox();
    const server = await sandbox.listen({ host: '0.0.0.0' });
    open.push(server);
    assert.equal(server.address, '0.0.0.0');
    assert.equal(server.origin, `http://127.0.0.1:${server.port}`);
    assert.equal((await api(server, '/instances')).status, 200);
  });
});

describe('GET /instances/{id} and ?tags[]=', () => {
  test('an instance carries valid, disabled and tags', async () => {
    const { server } = await served();
    const created = await create(server, { tags: ['owner-a', 'crm'] });
    const { status, body } = await api(server, `/instances/${created.id}`);
    assert.equal(status, 200);
    assert.equal(body.id, created.id);
    assert.equal(body.valid, true);
    assert.equal(body.disabled, false);
    assert.deepEqual(body.tags, ['owner-a', 'crm']);
  });

  test('tags[] filters: every tag given (AND), encoded or not; no tag lists all; the header is required', async () => {
    const { server } = await served();
    const a = await create(server, { tags: ['owner-a', 'crm'] });
    const b = await create(server, { tags: ['owner-b', 'crm'] });
    const c = await create(server, { tags: [] });
    const ids = async (query) => (await api(server, `/instances${query}`)).body.map((i) => i.id);
    assert.deepEqual(await ids('?tags[]=owner-a'), [a.id]);
    assert.deepEqual(await ids('?tags%5B%5D=owner-b'), [b.id]);
    assert.deepEqual(await ids('?tags[]=crm'), [a.id, b.id]);
    assert.deepEqual(await ids('?tags[]=crm&tags[]=owner-b'), [b.id]);
    assert.deepEqual(await ids('?tags[]=owner-a&tags[]=owner-b'), []);
    assert.deepEqual(await ids(`?tags[]=${encodeURIComponent('owner a')}`), []);
    assert.deepEqual(await ids(''), [a.id, b.id, c.id]);
    assert.equal((await api(server, '/instances?tags[]=owner-a', { auth: null })).status, 401);
  });
});

describe('invalidate(id)', () => {
  test('Cloud Elements then reports valid: false (by id and in lists); unknown ids → false', async () => {
    const { sandbox, server } = await served();
    const kept = await create(server);
    const broken = await create(server);
    assert.equal(sandbox.invalidate(broken.id), true);
    assert.equal(sandbox.invalidate(String(kept.id + 1000)), false);
    assert.equal(sandbox.invalidate('abc'), false);
    assert.equal(sandbox.invalidate(kept.id + 0.5), false);
    assert.equal((await api(server, `/instances/${broken.id}`)).body.valid, false);
    assert.equal((await api(server, `/instances/${kept.id}`)).body.valid, true);
    const listed = (await api(server, '/instances?tags[]=owner-a')).body;
    assert.deepEqual(
      listed.map((i) => [i.id, i.valid]),
      [
        [kept.id, true],
        [broken.id, false],
      ],
    );
    assert.equal(sandbox.instances().find((i) => i.id === broken.id).valid, false);
    assert.equal(sandbox.invalidate(String(kept.id)), true, 'a string id works too');
    assert.equal((await api(server, `/instances/${kept.id}`)).body.valid, false);
  });
});

describe('PUT /instances/{id}: re-authorise', () => {
  test('a fresh code with the same key, secret and callback: same id, new token, valid again; name, tags, configuration stored', async () => {
    const clock = manualClock();
    const { sandbox, server } = await served({ now: clock.now });
    const created = await create(server, { tags: ['owner-a', 'old'] });
    const other = await create(server, { tags: ['owner-a'] });
    sandbox.invalidate(created.id);
    clock.advance(3_600_000);
    const code = await codeFor(server);
    const body = instanceBody(code, { name: 'Renamed', tags: ['owner-a', 'new'] });
    body.configuration['filter.response.nulls'] = false;
    const put = await api(server, `/instances/${created.id}?reAuthenticate=true`, { method: 'PUT', body });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.match(put.headers.get('elements-request-id'), REQUEST_ID);
    assert.equal(put.body.id, created.id);
    assert.equal(put.body.valid, true);
    assert.equal(put.body.disabled, false);
    assert.match(put.body.token, /^[A-Za-z0-9+/]{43}=$/);
    assert.notEqual(put.body.token, created.token);
    assert.equal(put.body.name, 'Renamed');
    assert.deepEqual(put.body.tags, ['owner-a', 'new'], 'tags are replaced, not merged');
    assert.equal(put.body.createdDate, created.createdDate, 'still the instance created an hour ago');
    assert.deepEqual(put.body.configuration, {
      'oauth.callback.url': APP.callbackUrl,
      'oauth.api.key': '********',
      'oauth.api.secret': '********',
      'filter.response.nulls': false,
    });
    assert.equal('providerData' in put.body, false);
    // What Cloud Elements reports from now on.
    const fetched = await api(server, `/instances/${created.id}`);
    assert.deepEqual(fetched.body, put.body);
    assert.deepEqual(
      (await api(server, '/instances?tags[]=new')).body.map((i) => i.id),
      [created.id],
    );
    assert.deepEqual((await api(server, '/instances?tags[]=old')).body, []);
    assert.deepEqual(
      (await api(server, '/instances?tags[]=owner-a')).body.map((i) => i.id),
      [created.id, other.id],
    );
    assert.equal(sandbox.instances().length, 2, 'no instance was added');
    assert.equal(sandbox.instances()[0].token, put.body.token);
    // The other instance is untouched.
    assert.equal((await api(server, `/instances/${other.id}`)).body.token, other.token);
  });

  test('without name or tags in the body, the stored ones stay; a valid instance can be re-authorised too', async () => {
    const { server } = await served();
    const created = await create(server, { tags: ['owner-a', 'crm'] });
    const body = instanceBody(await codeFor(server));
    delete body.name;
    delete body.tags;
    delete body.element;
    const put = await api(server, `/instances/${created.id}`, { method: 'PUT', body });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(put.body.name, 'My Salesforce');
    assert.deepEqual(put.body.tags, ['owner-a', 'crm']);
    assert.notEqual(put.body.token, created.token);
  });

  test("a key, secret or callback URL differing from the code's oauth/url call → 400 naming which one; nothing changes", async () => {
    const { sandbox, server } = await served();
    const created = await create(server);
    sandbox.invalidate(created.id);
    const cases = [
      [
        'oauth.api.key',
        'other-key',
        /^oauth\.api\.key does not match the API key used for the OAuth URL$/,
        /^invalid_grant/,
      ],
      [
        'oauth.api.secret',
        'other-secret',
        /^oauth\.api\.secret does not match the API secret used for the OAuth URL$/,
        /^invalid_client/,
      ],
      [
        'oauth.callback.url',
        'https://app.test/other',
        /^oauth\.callback\.url does not match the callback URL used for the OAuth URL$/,
        /^redirect_uri_mismatch$/,
      ],
    ];
    for (const [field, value, message, providerMessage] of cases) {
      const body = instanceBody(await codeFor(server), { name: 'Changed', tags: ['changed'] });
      body.configuration[field] = value;
      const result = await api(server, `/instances/${created.id}`, { method: 'PUT', body });
      assertCeError(result, 400, message);
      assert.match(result.body.providerMessage, providerMessage);
    }
    // A code issued to another app's key, sent with this instance's key.
    const otherApp = { ...APP, apiKey: 'another-app' };
    const body = instanceBody(await codeFor(server, 'sfdc', otherApp));
    assertCeError(
      await api(server, `/instances/${created.id}`, { method: 'PUT', body }),
      400,
      /^oauth\.api\.key does not match/,
    );
    const after = await api(server, `/instances/${created.id}`);
    assert.equal(after.body.valid, false);
    assert.equal(after.body.token, created.token);
    assert.equal(after.body.name, 'My Salesforce');
    assert.deepEqual(after.body.tags, ['owner-a']);
  });

  test('codes are single-use (a code used for POST or PUT is refused) and expire on the sandbox clock', async () => {
    const clock = manualClock();
    const { server } = await served({ now: clock.now, codeTtlMs: 1000 });
    const created = await create(server);
    const code = await codeFor(server);
    assert.equal(
      (await api(server, `/instances/${created.id}`, { method: 'PUT', body: instanceBody(code) })).status,
      200,
    );
    const replay = await api(server, `/instances/${created.id}`, { method: 'PUT', body: instanceBody(code) });
    assertCeError(replay, 400, 'The OAuth code has already been used');
    assert.match(replay.body.providerMessage, /^invalid_grant/);
    const postCode = await codeFor(server);
    assert.equal((await api(server, '/instances', { method: 'POST', body: instanceBody(postCode) })).status, 200);
    assertCeError(
      await api(server, `/instances/${created.id}`, { method: 'PUT', body: instanceBody(postCode) }),
      400,
      'The OAuth code has already been used',
    );
    const late = await codeFor(server);
    clock.advance(1000);
    assertCeError(
      await api(server, `/instances/${created.id}`, { method: 'PUT', body: instanceBody(late) }),
      400,
      'The OAuth code has expired',
    );
    assertCeError(
      await api(server, `/instances/${created.id}`, { method: 'PUT', body: instanceBody('made-up') }),
      400,
      'The OAuth code is not valid',
    );
  });

  test('a code of another element, a body naming another element, no code or a blank name → 400', async () => {
    const { server } = await served();
    const created = await create(server);
    const hubspot = instanceBody(await codeFor(server, 'hubspot'));
    delete hubspot.element;
    assertCeError(
      await api(server, `/instances/${created.id}`, { method: 'PUT', body: hubspot }),
      400,
      /issued for element 'hubspot', not 'sfdc'/,
    );
    const named = instanceBody(await codeFor(server, 'hubspot'), { element: { key: 'hubspot' } });
    assertCeError(
      await api(server, `/instances/${created.id}`, { method: 'PUT', body: named }),
      400,
      "The element in the body does not match the instance's element 'sfdc'",
    );
    assertCeError(
      await api(server, `/instances/${created.id}`, { method: 'PUT', body: instanceBody('') }),
      400,
      /OAuth code/,
    );
    assertCeError(
      await api(server, `/instances/${created.id}`, {
        method: 'PUT',
        body: instanceBody(await codeFor(server), { name: ' ' }),
      }),
      400,
      /name/,
    );
    assertCeError(
      await api(server, `/instances/${created.id}`, { method: 'PUT', body: [] }),
      400,
      'The request body must be a JSON object',
    );
  });

  test('an unknown or deleted instance → 404, and the code is not used up; no Authorization → 401; fail.instances applies', async () => {
    const { sandbox, server } = await served();
    const created = await create(server);
    const code = await codeFor(server);
    assertCeError(
      await api(server, `/instances/${created.id + 1000}`, { method: 'PUT', body: instanceBody(code) }),
      404,
      `No instance found with id ${created.id + 1000}`,
    );
    assertCeError(await api(server, '/instances/abc', { method: 'PUT', body: instanceBody(code) }), 404, /No instance/);
    assertCeError(
      await api(server, `/instances/${created.id}`, { method: 'PUT', body: instanceBody(code), auth: null }),
      401,
      /Invalid Organization or User secret/,
    );
    assertCeError(
      await api(server, `/instances/${created.id}`, {
        method: 'PUT',
        body: instanceBody(code),
        auth: 'User x, Organization y',
      }),
      401,
      /Invalid/,
    );
    sandbox.configure({ fail: { instances: 503 } });
    assertCeError(
      await api(server, `/instances/${created.id}`, { method: 'PUT', body: instanceBody(code) }),
      503,
      /fail\.instances/,
    );
    sandbox.configure({ fail: {} });
    assert.equal(
      (await api(server, `/instances/${created.id}`, { method: 'PUT', body: instanceBody(code) })).status,
      200,
      'the code was still good',
    );
    assert.equal((await api(server, `/instances/${created.id}`, { method: 'DELETE' })).status, 200);
    assertCeError(
      await api(server, `/instances/${created.id}`, { method: 'PUT', body: instanceBody(await codeFor(server)) }),
      404,
      /No instance/,
    );
    assertCeError(await api(server, '/instances', { method: 'PUT', body: {} }), 405, /not allowed/);
    assertCeError(await api(server, `/instances/${created.id}`, { method: 'PATCH', body: {} }), 405, /not allowed/);
  });
});
