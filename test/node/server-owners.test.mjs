// ce-connect/server, connections that last (docs/protocol.md §12): owners (authorize, 401, 403, owner tags),
// the owner-scoped instance routes, reconnects (PUT /instances/{id}), per-element configuration, tags and site
// addresses — over real HTTP against the sandbox.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { afterEach, describe, test } from 'node:test';
import { createConnectHandler } from '../../lib/server/index.js';
import { decide, forbiddenValues, openConsent, pageResult, SECRETS, startHarness } from './support/harness.mjs';

let harness;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** The owner tag as docs/connections.md (Owners) documents it, computed independently of the handler. */
function ownerTagFor(owner, secret = SECRETS.organizationSecret) {
  const key = createHmac('sha256', secret).update('ce-connect owner tag key v1').digest();
  return `ce-connect-owner:${createHmac('sha256', key).update(owner).digest('base64url')}`;
}

/** oauth/url (with `query`) → consent → Allow; the provider's redirect back. */
async function consent(browser, element = 'sfdc', query = '') {
  const started = await browser.startFlow(element, query);
  assert.equal(started.status, 200, started.body);
  const { location } = await decide(await openConsent(started.json.oauthUrl), 'allow');
  return { state: started.json.state, location: new URL(location) };
}

/** Flow 4a to the end: the callback page's status and result. */
async function connect4a(browser, element = 'sfdc', query = '') {
  const { state, location } = await consent(browser, element, query);
  const page = await browser.fetch(location.href);
  return { state, location, status: page.status, result: pageResult(page.body) };
}

/** Flow 4b to the end: the answer of POST {basePath}/instances. */
async function connect4b(browser, element = 'sfdc', query = '', name = '') {
  const { state, location } = await consent(browser, element, query);
  const code = location.searchParams.get('code');
  const answer = await browser.postInstance({ element: { key: element }, providerData: { code }, state, name });
  return { state, code, ...answer };
}

const ceCalls = (method, pattern) =>
  harness.ceCalls.filter((call) => call.method === method && pattern.test(new URL(call.url).pathname));
const instancePosts = () => ceCalls('POST', /\/instances$/);
const instancePuts = () => ceCalls('PUT', /\/instances\/[^/]+$/);
const instanceDeletes = () => ceCalls('DELETE', /\/instances\/[^/]+$/);
/** The oauth/url calls (the documented GET), each with its query as `params`. */
const oauthUrlCalls = () =>
  ceCalls('GET', /\/oauth\/url$/).map((call) => ({
    ...call,
    params: Object.fromEntries(new URL(call.url).searchParams),
  }));

/** Every response so far is free of secrets and of every token ever issued (old ones included). */
function assertNoTokenInAnyAnswer() {
  const tokens = [...harness.created, ...harness.reconnected].map((event) => event.token);
  const forbidden = [...forbiddenValues(harness), ...tokens];
  assert.ok(harness.responses.length > 0);
  for (const response of harness.responses) {
    for (const value of forbidden)
      assert.equal(response.body.includes(value), false, `${response.url} leaks a secret or token`);
  }
}

describe('owner: a flow completes only for the owner who started it', () => {
  test('flow 4b: Alice starts, Bob’s session posts the code → 403, no instance, no Cloud Elements call, no hook', async () => {
    harness = await startHarness({ sessions: true, callbackPath: () => '/static/callback.html' });
    const browser = harness.browser();
    browser.signIn('alice');
    const { state, location } = await consent(browser);
    browser.signIn('bob'); // the same browser, now in Bob's session: e.g. a victim lured to finish Alice's flow
    const answer = await browser.postInstance({
      element: { key: 'sfdc' },
      providerData: { code: location.searchParams.get('code') },
      state,
    });
    assert.equal(answer.status, 403);
    assert.match(answer.json.message, /another user/);
    assert.deepEqual(harness.sandbox.instances(), []);
    assert.equal(instancePosts().length, 0);
    assert.equal(harness.created.length, 0);
    assert.ok(harness.logs.some((line) => line.includes('exchange.rejected reason=owner-mismatch')));
    // The flow is spent: Alice cannot complete it afterwards either.
    browser.signIn('alice');
    const again = await browser.postInstance({
      element: { key: 'sfdc' },
      providerData: { code: location.searchParams.get('code') },
      state,
    });
    assert.equal(again.status, 400);
    assert.equal(harness.sandbox.instances().length, 0);
  });

  test('flow 4a: Alice starts, the callback arrives in Bob’s session → 403 page with exchange_failed, nothing created', async () => {
    harness = await startHarness({ sessions: true });
    const browser = harness.browser();
    browser.signIn('alice');
    const { state, location } = await consent(browser);
    browser.signIn('bob');
    const page = await browser.fetch(location.href);
    assert.equal(page.status, 403);
    assert.deepEqual(pageResult(page.body), {
      state,
      error: 'exchange_failed',
      errorDescription: 'This sign-in was started by another user; please start again',
    });
    assert.deepEqual(harness.sandbox.instances(), []);
    assert.equal(instancePosts().length, 0);
    assert.equal(harness.created.length, 0);
    assert.equal(
      browser.cookieNames().filter((name) => name.startsWith('ce-connect-flow-')).length,
      0,
      'the spent flow is cleared',
    );
  });

  test('the same owner completes: the hook gets the owner, the instance gets the opaque owner tag; the cookie holds no raw id', async () => {
    harness = await startHarness({ sessions: true });
    const browser = harness.browser();
    browser.signIn('alice@example.com');
    const started = await browser.startFlow('sfdc');
    const [, payload] = /^ce-connect-flow-[A-Za-z0-9_-]{16}=([^.;]+)\./.exec(
      browser.lastSetCookies.find((c) => c.startsWith('ce-connect-flow-')),
    );
    const record = JSON.parse(Buffer.from(payload, 'base64url').toString());
    assert.match(record.o, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(JSON.stringify(record).includes('alice'), false);
    const { location } = await decide(await openConsent(started.json.oauthUrl), 'allow');
    const page = await browser.fetch(location);
    assert.equal(page.status, 200);
    const [instance] = harness.sandbox.instances();
    assert.equal(harness.created[0].owner, 'alice@example.com');
    assert.ok(instance.tags.includes(ownerTagFor('alice@example.com')), 'tagged with the documented owner tag');
    assert.equal(
      instance.tags.some((tag) => tag.includes('alice')),
      false,
      'not the raw owner id',
    );
  });

  test('without authorize a new flow has the owner "default" (4a and 4b), and the owner routes fail closed: 401 saying how to enable them (#19 item 1)', async () => {
    harness = await startHarness();
    const { result } = await connect4a(harness.browser());
    assert.equal(harness.created[0].owner, 'default');
    assert.ok(harness.sandbox.instances()[0].tags.includes(ownerTagFor('default')));
    assert.equal((await connect4b(harness.browser())).status, 201, 'flow 4b completes too');
    const callsBefore = harness.ceCalls.length;
    const stranger = harness.browser();
    const answers = [
      await stranger.api('instances'),
      await stranger.api(`instances/${result.instanceId}`),
      await stranger.api(`instances/${result.instanceId}`, { method: 'DELETE' }),
      await stranger.startFlow('sfdc', `?instance=${result.instanceId}`),
    ];
    for (const answer of answers) {
      assert.equal(answer.status, 401, answer.url);
      const body = JSON.parse(answer.body);
      assert.deepEqual(Object.keys(body), ['message']);
      assert.match(body.message, /authorize/);
    }
    assert.equal(
      harness.ceCalls.length,
      callsBefore,
      'no Cloud Elements call: nothing listed, read, deleted or reconnected',
    );
    assert.equal(stranger.cookieNames().length, 0, 'no reconnect flow was started');
    assert.equal(harness.sandbox.instances().length, 2);
    const warnings = harness.logs.filter((line) => line.includes('authorize.missing'));
    assert.equal(warnings.length, 1, 'one warning, at creation, however many requests');
    assert.equal(harness.logs.indexOf(warnings[0]), 0, 'logged when the handler was created');
  });

  test('a single-user app says so with authorize: () => "default": every browser is that owner, the owner routes work', async () => {
    harness = await startHarness({ server: { authorize: () => 'default' } });
    const { result } = await connect4a(harness.browser());
    const listed = await harness.browser().api('instances');
    assert.deepEqual(
      listed.json.instances.map((i) => i.id),
      [result.instanceId],
      'any browser is the same owner',
    );
    assert.equal(harness.logs.filter((line) => line.includes('authorize.missing')).length, 0);
  });

  test('an owner id that is not a well-formed string (a lone surrogate) → 500 and a log line, never a collision (#19 item 6)', async () => {
    // "\ud800" and "\udfff" are both encoded as U+FFFD in UTF-8: hashed that way they were one owner.
    let owner = 'x\ud800';
    harness = await startHarness({ server: { authorize: () => owner } });
    const refused = [await harness.browser().startFlow('sfdc'), await harness.browser().api('instances')];
    for (const answer of refused) {
      assert.equal(answer.status, 500, answer.url);
      assert.deepEqual(Object.keys(JSON.parse(answer.body)), ['message']);
    }
    assert.ok(harness.logs.some((line) => /authorize\.failed reason=not-well-formed/.test(line)));
    owner = 'x\udfff';
    assert.equal((await harness.browser().api('instances')).status, 500);
    assert.equal(harness.ceCalls.length, 0, 'no Cloud Elements call for such an owner');
    owner = 'x\ud83d\ude00'; // a well-formed pair is an ordinary owner
    assert.equal((await harness.browser().api('instances')).status, 200);
  });
});

describe('authorize: 401 for nobody, 500 and 503 when it fails', () => {
  test('signed out → 401 {message} on every route (the 4a callback: a 401 page), no Cloud Elements call', async () => {
    harness = await startHarness({ sessions: true });
    const alice = harness.browser();
    alice.signIn('alice');
    const { result } = await connect4a(alice);
    const callsBefore = harness.ceCalls.length;
    const anonymous = harness.browser();
    const answers = [
      await anonymous.startFlow('sfdc'),
      await anonymous.startFlow('sfdc', `?instance=${result.instanceId}`),
      await anonymous.api('instances'),
      await anonymous.api(`instances/${result.instanceId}`),
      await anonymous.api(`instances/${result.instanceId}`, { method: 'DELETE' }),
      await anonymous.postInstance({ element: { key: 'sfdc' }, providerData: { code: 'c' }, state: 'A'.repeat(43) }),
    ];
    for (const answer of answers) {
      assert.equal(answer.status, 401, answer.url);
      assert.deepEqual(Object.keys(JSON.parse(answer.body)), ['message']);
    }
    assert.equal(anonymous.cookieNames().length, 0, 'no flow was started');
    // Alice's callback, arriving signed out: the page reports it at once rather than leave the widget waiting.
    const { state, location } = await consent(alice);
    alice.signOut();
    const page = await alice.fetch(location.href);
    assert.equal(page.status, 401);
    assert.equal(pageResult(page.body).state, state);
    assert.equal(pageResult(page.body).error, 'exchange_failed');
    assert.equal(harness.ceCalls.length, callsBefore + 1, 'only the oauth/url call of the signed-in start');
    assert.equal(harness.sandbox.instances().length, 1);
    // The static script needs no session.
    assert.equal((await anonymous.fetch('/api/ce/callback.js')).status, 200);
  });

  test('authorize that throws or answers a non-string → 500; one that hangs past hookTimeoutMs → 503, not before', async (t) => {
    const calls = [];
    const make = (authorize) =>
      createConnectHandler({
        cloudElements: {
          baseUrl: 'https://ce.test/elements/api-v2',
          userSecret: 'u-secret',
          organizationSecret: 'o-secret',
        },
        elements: {
          sfdc: {
            apiKey: 'k',
            apiSecret: 'api-secret-value',
            callbackUrl: 'https://app.test/api/ce/sfdc/oauth/callback',
          },
        },
        cookieSecret: 'c'.repeat(32),
        onInstanceCreated: () => {},
        authorize,
        fetch: async (input) => {
          calls.push(String(input));
          return new Response('{}', { status: 500 });
        },
      });
    const request = () => new Request('https://app.test/api/ce/instances', { headers: { 'X-CE-Connect': '1' } });
    const thrower = make(() => {
      throw new Error('session store down: token=abc');
    });
    const thrown = await thrower(request());
    assert.equal(thrown.status, 500);
    assert.equal((await thrown.text()).includes('token'), false);
    assert.equal((await make(async () => 42)(request())).status, 500);

    t.mock.timers.enable({ apis: ['setTimeout'] });
    const hanging = make(() => new Promise(() => {}));
    let settled;
    const pending = hanging(request()).then((response) => (settled = response));
    await new Promise((resolve) => setImmediate(resolve));
    t.mock.timers.tick(9_999);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, undefined, 'still waiting 1 ms before the deadline');
    t.mock.timers.tick(1);
    await pending;
    assert.equal(settled.status, 503);
    assert.deepEqual(calls, [], 'no Cloud Elements call without an owner');
  });
});

describe('owner-scoped routes: another owner’s instance is unknown, never forbidden', () => {
  test('Bob cannot list, read, delete or reconnect Alice’s instance: 404 unknown-instance, no Cloud Elements DELETE', async () => {
    harness = await startHarness({ sessions: true });
    const alice = harness.browser();
    alice.signIn('alice');
    const bob = harness.browser();
    bob.signIn('bob');
    const aliceId = (await connect4a(alice)).result.instanceId;
    const bobId = (await connect4a(bob, 'hubspot')).result.instanceId;

    const listed = await bob.api('instances');
    assert.equal(listed.status, 200);
    assert.deepEqual(
      listed.json.instances.map((i) => i.id),
      [bobId],
    );
    const oauthCallsBefore = oauthUrlCalls().length;
    for (const answer of [
      await bob.api(`instances/${aliceId}`),
      await bob.api(`instances/${aliceId}`, { method: 'DELETE' }),
      await bob.startFlow('sfdc', `?instance=${aliceId}`),
      await bob.api('instances/999999'), // one that does not exist reads the same
      await bob.api('instances/..%2Fx'),
    ]) {
      assert.equal(answer.status, 404, answer.url);
      assert.deepEqual(JSON.parse(answer.body), {
        message: 'This connection does not exist',
        code: 'unknown-instance',
      });
    }
    assert.equal(instanceDeletes().length, 0);
    assert.equal(oauthUrlCalls().length, oauthCallsBefore, 'no reconnect flow was started');
    assert.equal(harness.sandbox.instances().length, 2);
    assert.equal(harness.deleted.length, 0);
    // Alice's own instance, through the wrong element's route, is unknown too.
    assert.equal((await alice.startFlow('hubspot', `?instance=${aliceId}`)).status, 404);
    assert.equal((await alice.api(`instances/${aliceId}`)).json.id, aliceId);
  });

  test('a Cloud Elements that ignores tags[] still lists only the owner’s instances', async () => {
    harness = await startHarness({
      sessions: true,
      ceFetch: (input, init) => {
        const url = new URL(input);
        if (url.pathname.endsWith('/instances')) url.search = ''; // every instance of the account, whatever the filter
        return fetch(url, init);
      },
    });
    const alice = harness.browser();
    alice.signIn('alice');
    const bob = harness.browser();
    bob.signIn('bob');
    const aliceId = (await connect4a(alice)).result.instanceId;
    const bobId = (await connect4a(bob)).result.instanceId;
    assert.deepEqual(
      (await alice.api('instances')).json.instances.map((i) => i.id),
      [aliceId],
    );
    assert.deepEqual(
      (await bob.api('instances')).json.instances.map((i) => i.id),
      [bobId],
    );
  });

  test('an instance of an element the handler does not configure is unknown; a second handler with the same secrets finds the same owner’s', async () => {
    harness = await startHarness({ sessions: true });
    const alice = harness.browser();
    alice.signIn('alice');
    const sfdcId = (await connect4a(alice, 'sfdc')).result.instanceId;
    const hubspotId = (await connect4a(alice, 'hubspot')).result.instanceId;
    const sfdcOnly = createConnectHandler({
      cloudElements: {
        baseUrl: `${harness.sandboxUrl}/elements/api-v2`,
        userSecret: SECRETS.userSecret,
        organizationSecret: SECRETS.organizationSecret,
      },
      elements: {
        sfdc: {
          apiKey: 'sfdc-key',
          apiSecret: SECRETS.sfdcApiSecret,
          callbackUrl: `${harness.appUrl}/api/ce/sfdc/oauth/callback`,
        },
      },
      cookieSecret: 'another-cookie-secret-0123456789abcdef',
      onInstanceCreated: () => {},
      authorize: () => 'alice',
    });
    const get = async (path) =>
      sfdcOnly(new Request(`${harness.appUrl}/api/ce/${path}`, { headers: { 'X-CE-Connect': '1' } }));
    const list = await (await get('instances')).json();
    assert.deepEqual(
      list.instances.map((i) => i.id),
      [sfdcId],
    );
    const hubspot = await get(`instances/${hubspotId}`);
    assert.equal(hubspot.status, 404);
    assert.equal((await hubspot.json()).code, 'unknown-instance');
    assert.equal((await get(`instances/${sfdcId}`)).status, 200);
  });

  test('GET /instances: newest first, Instance shape only, status from valid/disabled; X-CE-Connect required', async () => {
    let disabledId;
    harness = await startHarness({
      sessions: true,
      // A Cloud Elements that reports one instance disabled (the sandbox has no switch for it).
      ceFetch: async (input, init) => {
        const response = await fetch(input, init);
        if (!disabledId || (init.method ?? 'GET') !== 'GET' || !String(input).includes('/instances')) return response;
        const body = await response.json();
        const mark = (instance) => (String(instance.id) === disabledId ? { ...instance, disabled: true } : instance);
        return Response.json(Array.isArray(body) ? body.map(mark) : mark(body), { status: response.status });
      },
    });
    const alice = harness.browser();
    alice.signIn('alice');
    const first = (await connect4a(alice, 'sfdc')).result.instanceId;
    const second = (await connect4a(alice, 'hubspot')).result.instanceId;
    const third = (await connect4b(alice, 'sfdc', '', 'Third')).json.id; // 4b against the 4a callback URL: same exchange
    const listed = await alice.api('instances');
    assert.equal(listed.status, 200);
    assert.deepEqual(
      listed.json.instances.map((i) => i.id),
      [third, second, first],
    );
    for (const instance of listed.json.instances) {
      assert.deepEqual(Object.keys(instance).sort(), ['createdDate', 'element', 'id', 'name', 'status']);
      assert.equal(instance.status, 'connected');
    }
    assert.deepEqual(listed.json.instances[1].element, { key: 'hubspot' });

    assert.equal(harness.sandbox.invalidate(Number(first)), true);
    disabledId = second;
    const statuses = Object.fromEntries((await alice.api('instances')).json.instances.map((i) => [i.id, i.status]));
    assert.deepEqual(statuses, { [first]: 'needs-reconnect', [second]: 'needs-reconnect', [third]: 'connected' });
    assert.equal((await alice.api(`instances/${first}`)).json.status, 'needs-reconnect');
    assert.equal((await alice.api(`instances/${second}`)).json.status, 'needs-reconnect');
    assert.equal((await alice.api(`instances/${third}`)).json.status, 'connected');

    const unguarded = await alice.fetch('/api/ce/instances', { headers: { Accept: 'application/json' } });
    assert.equal(unguarded.status, 403);
    const wrongMethod = await alice.api('instances', { method: 'PUT' });
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.get('allow'), 'GET, POST');
    assertNoTokenInAnyAnswer();
  });

  test('DELETE: Cloud Elements deletes it, then onInstanceDeleted({element, instance, owner, request}); afterwards it is unknown', async () => {
    harness = await startHarness({ sessions: true });
    const alice = harness.browser();
    alice.signIn('alice');
    const id = (await connect4a(alice)).result.instanceId;
    const crossSite = await alice.api(`instances/${id}`, {
      method: 'DELETE',
      headers: { Origin: 'https://evil.example' },
    });
    assert.equal(crossSite.status, 403);
    assert.equal(instanceDeletes().length, 0);

    const deleted = await alice.api(`instances/${id}`, { method: 'DELETE' });
    assert.equal(deleted.status, 200);
    assert.deepEqual(deleted.json, { id });
    assert.equal(instanceDeletes().length, 1);
    assert.deepEqual(harness.sandbox.instances(), []);
    assert.equal(harness.deleted.length, 1);
    const [event] = harness.deleted;
    assert.equal(event.element, 'sfdc');
    assert.equal(event.owner, 'alice');
    assert.equal(String(event.instance.id), id);
    assert.equal('token' in event.instance, false);
    assert.ok(event.request instanceof Request);

    const gone = await alice.api(`instances/${id}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.json.code, 'unknown-instance');
    assertNoTokenInAnyAnswer();
  });

  test('Cloud Elements failing: DELETE → 502, nothing deleted or forgotten; a 404 on every path is 502, not unknown-instance', async () => {
    let fault;
    harness = await startHarness({
      sessions: true,
      ceFetch: async (input, init) => (fault ? fault(input, init) : fetch(input, init)),
    });
    const alice = harness.browser();
    alice.signIn('alice');
    const id = (await connect4a(alice)).result.instanceId;

    fault = async (input, init) =>
      init.method === 'DELETE'
        ? Response.json({ requestId: 'abc', message: 'secret detail' }, { status: 500 })
        : fetch(input, init);
    const failed = await alice.api(`instances/${id}`, { method: 'DELETE' });
    assert.equal(failed.status, 502);
    assert.deepEqual(failed.json, { message: 'Cloud Elements answered with an error' });
    assert.equal(harness.sandbox.instances().length, 1);
    assert.equal(harness.deleted.length, 0, 'onInstanceDeleted is not called when Cloud Elements failed');

    fault = async () => Response.json({ message: 'Not found' }, { status: 404 }); // e.g. a wrong base URL
    for (const answer of [
      await alice.api(`instances/${id}`),
      await alice.api(`instances/${id}`, { method: 'DELETE' }),
      await alice.startFlow('sfdc', `?instance=${id}`),
    ]) {
      assert.equal(answer.status, 502, answer.url);
      assert.equal(JSON.parse(answer.body).code, undefined);
    }
    assert.equal((await alice.api('instances')).status, 502);

    fault = async () => {
      throw new TypeError('fetch failed');
    };
    assert.equal((await alice.api(`instances/${id}`)).status, 502);
    assert.equal(harness.sandbox.instances().length, 1);
    assert.equal(harness.deleted.length, 0);
  });
});

describe('reconnect: PUT /instances/{id} re-authorises the same instance', () => {
  /** The reconnect's recorded PUT, as sent. */
  function lastPut() {
    const puts = instancePuts();
    assert.equal(puts.length, 1);
    return { url: puts[0].url, body: JSON.parse(puts[0].body) };
  }

  test('flow 4a: same id on the page, PUT with the same key/secret/callback and the new code, hook with the new token', async () => {
    harness = await startHarness({ sessions: true });
    const alice = harness.browser();
    alice.signIn('alice');
    const id = (await connect4a(alice)).result.instanceId;
    const oldToken = harness.created[0].token;
    harness.sandbox.invalidate(Number(id));
    assert.equal((await alice.api(`instances/${id}`)).json.status, 'needs-reconnect');

    const { state, location, status, result } = await connect4a(alice, 'sfdc', `?instance=${id}`);
    assert.equal(status, 200);
    assert.deepEqual(result, { state, instanceId: id, name: harness.sandbox.instances()[0].name });
    const put = lastPut();
    assert.equal(put.url, `${harness.sandboxUrl}/elements/api-v2/instances/${id}`);
    assert.deepEqual(put.body.element, { key: 'sfdc' });
    assert.deepEqual(put.body.providerData, { code: location.searchParams.get('code') });
    assert.equal(put.body.configuration['oauth.api.key'], 'sfdc-key');
    assert.equal(put.body.configuration['oauth.api.secret'], SECRETS.sfdcApiSecret);
    assert.equal(put.body.configuration['oauth.callback.url'], `${harness.appUrl}/api/ce/sfdc/oauth/callback`);
    assert.ok(put.body.tags.includes(ownerTagFor('alice')));
    assert.equal(put.body.name, harness.created[0].instance.name, 'the instance keeps its name');
    const oauthBodies = oauthUrlCalls().map((call) => call.params);
    assert.equal(
      oauthBodies[1].callbackUrl,
      put.body.configuration['oauth.callback.url'],
      'the same callback URL for both calls',
    );

    assert.equal(instancePosts().length, 1, 'no second instance');
    assert.equal(harness.sandbox.instances().length, 1);
    assert.equal(harness.created.length, 1);
    assert.equal(harness.reconnected.length, 1);
    const [event] = harness.reconnected;
    const [instance] = harness.sandbox.instances();
    assert.equal(event.element, 'sfdc');
    assert.equal(event.owner, 'alice');
    assert.equal(event.token, instance.token);
    assert.notEqual(event.token, oldToken, 'the token changed');
    assert.equal(String(event.instance.id), id);
    assert.equal('token' in event.instance, false);
    assert.equal((await alice.api(`instances/${id}`)).json.status, 'connected');
    assertNoTokenInAnyAnswer();
  });

  test('flow 4b: POST /instances answers 200 with the same id; the page’s name wins', async () => {
    harness = await startHarness({ sessions: true, callbackPath: () => '/static/callback.html' });
    const alice = harness.browser();
    alice.signIn('alice');
    const created = await connect4b(alice, 'hubspot', '', 'Marketing');
    assert.equal(created.status, 201);
    const id = created.json.id;
    const reconnected = await connect4b(alice, 'hubspot', `?instance=${id}`, 'Marketing (renewed)');
    assert.equal(reconnected.status, 200);
    assert.deepEqual(reconnected.json, { id, name: 'Marketing (renewed)', element: { key: 'hubspot' } });
    const put = lastPut();
    assert.deepEqual(put.body.providerData, { code: reconnected.code });
    assert.equal(put.body.configuration['oauth.api.key'], 'hubspot-key');
    assert.equal(put.body.configuration['oauth.callback.url'], `${harness.appUrl}/static/callback.html`);
    assert.equal(harness.reconnected.length, 1);
    assert.equal(harness.reconnected[0].token, harness.sandbox.instances()[0].token);
    assert.equal(harness.sandbox.instances().length, 1);
    assert.equal(harness.sandbox.instances()[0].name, 'Marketing (renewed)');
    assertNoTokenInAnyAnswer();
  });

  test('without onInstanceReconnected the new token goes to onInstanceCreated with reconnected: true (#19 item 11)', async () => {
    harness = await startHarness({ sessions: true, server: { onInstanceReconnected: undefined } });
    const alice = harness.browser();
    alice.signIn('alice');
    const id = (await connect4a(alice)).result.instanceId;
    assert.equal(harness.created.length, 1);
    assert.equal(harness.created[0].reconnected, undefined, 'a new instance is not a reconnect');
    const oldToken = harness.created[0].token;
    const { status, result } = await connect4a(alice, 'sfdc', `?instance=${id}`);
    assert.equal(status, 200);
    assert.equal(result.instanceId, id);
    assert.equal(harness.created.length, 2, 'the host is handed the rotated token');
    const event = harness.created[1];
    assert.equal(event.reconnected, true);
    assert.equal(event.element, 'sfdc');
    assert.equal(event.owner, 'alice');
    assert.equal(String(event.instance.id), id);
    assert.equal(event.token, harness.sandbox.instances()[0].token);
    assert.notEqual(event.token, oldToken);
    assert.equal(harness.sandbox.instances().length, 1, 'still one instance');
    assertNoTokenInAnyAnswer();
  });

  test('Bob completing Alice’s reconnect → 403, no PUT; Alice’s instance keeps its token', async () => {
    harness = await startHarness({ sessions: true, callbackPath: () => '/static/callback.html' });
    const browser = harness.browser();
    browser.signIn('alice');
    const id = (await connect4b(browser)).json.id;
    const token = harness.sandbox.instances()[0].token;
    const { state, location } = await consent(browser, 'sfdc', `?instance=${id}`);
    browser.signIn('bob');
    const answer = await browser.postInstance({
      element: { key: 'sfdc' },
      providerData: { code: location.searchParams.get('code') },
      state,
    });
    assert.equal(answer.status, 403);
    assert.equal(instancePuts().length, 0);
    assert.equal(harness.reconnected.length, 0);
    assert.equal(harness.sandbox.instances()[0].token, token);
  });

  test('a PUT with another key, secret or callback URL than the oauth/url call is refused by Cloud Elements, named there; the browser gets a generic 502', async () => {
    harness = await startHarness({ sessions: true, callbackPath: () => '/static/callback.html' });
    const browser = harness.browser();
    browser.signIn('alice');
    const id = (await connect4b(browser)).json.id;
    const token = harness.sandbox.instances()[0].token;
    const sfdc = {
      apiKey: 'sfdc-key',
      apiSecret: SECRETS.sfdcApiSecret,
      callbackUrl: `${harness.appUrl}/static/callback.html`,
    };
    const sendToHarness = harness.send;
    for (const [field, change] of [
      ['oauth.api.key', { apiKey: 'another-key' }],
      ['oauth.api.secret', { apiSecret: 'another-secret-value' }],
      ['oauth.callback.url', { callbackUrl: `${harness.appUrl}/static/other-callback.html` }],
    ]) {
      // The reconnect starts on this handler and finishes on one whose config changed in between (a deploy).
      harness.send = sendToHarness;
      const { state, location } = await consent(browser, 'sfdc', `?instance=${id}`);
      const ceAnswers = [];
      const changed = createConnectHandler({
        cloudElements: {
          baseUrl: `${harness.sandboxUrl}/elements/api-v2`,
          userSecret: SECRETS.userSecret,
          organizationSecret: SECRETS.organizationSecret,
        },
        elements: { sfdc: { ...sfdc, ...change } },
        cookieSecret: SECRETS.cookieSecret,
        onInstanceCreated: () => {},
        onInstanceReconnected: () => assert.fail('not reconnected'),
        authorize: () => 'alice',
        fetch: async (input, init) => {
          const response = await fetch(input, init);
          ceAnswers.push({ method: init.method, body: await response.clone().text() });
          return response;
        },
      });
      harness.send = async (url, init) =>
        (await changed(new Request(url, init))) ?? new Response(null, { status: 404 });
      const answer = await browser.postInstance({
        element: { key: 'sfdc' },
        providerData: { code: location.searchParams.get('code') },
        state,
      });
      assert.equal(answer.status, 502, field);
      assert.deepEqual(answer.json, { message: 'Cloud Elements refused to re-authorise the instance' });
      const put = ceAnswers.find((call) => call.method === 'PUT');
      assert.match(
        JSON.parse(put.body).message,
        new RegExp(`^${field.replaceAll('.', '\\.')} does not match`),
        'the sandbox names the differing value',
      );
      assert.equal(harness.sandbox.instances().length, 1, 'nothing deleted');
      assert.equal(harness.sandbox.instances()[0].token, token, 'not re-authorised');
    }
    harness.send = sendToHarness;
  });
});

describe('per-element settings: configuration, tags and site addresses', () => {
  const zendesk = {
    apiKey: 'zendesk-key',
    apiSecret: 'SENTINELzendesksecret77',
    siteAddress: (input) => (/^[a-z0-9][a-z0-9-]{0,62}$/.test(input) ? input : null),
    siteConfigurationKey: 'zendesk.subdomain',
  };

  test('configuration and tags reach Cloud Elements with every POST and PUT /instances, with the owner tag', async () => {
    const configuration = {
      'event.notification.enabled': true,
      'event.notification.callback.url': 'https://app.example/api/ce/events',
      'filter.response.nulls': false,
      'cache.size': 3,
      'event.vendor.type': 'polling',
    };
    harness = await startHarness({
      sessions: true,
      elements: {
        sfdc: { apiKey: 'sfdc-key', apiSecret: SECRETS.sfdcApiSecret, configuration, tags: ['team-a', 'crm'] },
      },
    });
    const alice = harness.browser();
    alice.signIn('alice');
    const id = (await connect4a(alice)).result.instanceId;
    await connect4a(alice, 'sfdc', `?instance=${id}`);
    const [post] = instancePosts();
    const put = instancePuts()[0];
    for (const call of [post, put]) {
      const body = JSON.parse(call.body);
      assert.deepEqual(body.configuration, {
        ...configuration,
        'oauth.callback.url': `${harness.appUrl}/api/ce/sfdc/oauth/callback`,
        'oauth.api.key': 'sfdc-key',
        'oauth.api.secret': SECRETS.sfdcApiSecret,
      });
      assert.deepEqual(body.tags.slice(-3), [ownerTagFor('alice'), 'team-a', 'crm']);
    }
    assert.match(JSON.parse(post.body).tags[0], /^ce-connect-flow-/, 'plus the flow tag on creation');
    const putTags = JSON.parse(put.body).tags;
    assert.equal(putTags.length, 4, 'the sealed owner tag, the owner tag and the two configured tags');
    assert.match(putTags[0], /^ce-connect-owner-sealed:/);
    const [instance] = harness.sandbox.instances();
    assert.equal(instance.configuration['event.vendor.type'], 'polling');
    assert.ok(instance.tags.includes('team-a'));
  });

  test('a reserved oauth.* configuration key, a reserved tag, a bad siteConfigurationKey or hook is refused at creation with a TypeError', () => {
    const base = {
      cloudElements: { userSecret: 'u-secret', organizationSecret: 'o-secret' },
      cookieSecret: 'c'.repeat(32),
      onInstanceCreated: () => {},
    };
    const sfdc = { apiKey: 'k', apiSecret: 's', callbackUrl: 'https://app.test/cb' };
    for (const [name, settings, message, topLevel = {}] of [
      ['oauth.api.key', { configuration: { 'oauth.api.key': 'other' } }, /must not set "oauth\.api\.key"/],
      ['OAuth.User.Token', { configuration: { 'OAuth.User.Token': 'x' } }, /must not set "OAuth\.User\.Token"/],
      [
        'oauth.user.refresh_token',
        { configuration: { 'oauth.user.refresh_token': 'x' } },
        /oauth\.user\.\* come from the handler/,
      ],
      [
        'oauth.callback.url',
        { configuration: { 'oauth.callback.url': 'https://evil.example/cb' } },
        /come from the handler/,
      ],
      ['an object value', { configuration: { nested: { a: 1 } } }, /must be a string, a finite number or a boolean/],
      ['a reserved tag', { tags: ['ce-connect-owner:forged'] }, /must not start with/],
      ['a non-array tags', { tags: 'crm' }, /tags must be an array/],
      [
        'a reserved siteConfigurationKey',
        { siteAddress: () => null, siteConfigurationKey: 'oauth.api.key' },
        /siteConfigurationKey must not be "oauth\.api\.key"/,
      ],
      [
        'a siteConfigurationKey without siteAddress',
        { siteConfigurationKey: 'zendesk.subdomain' },
        /needs a siteAddress/,
      ],
      ['a siteAddress of another type', { siteAddress: 42 }, /siteAddress must be a non-empty string or a function/],
      ['authorize not a function', {}, /authorize must be a function/, { authorize: 'alice' }],
      ['onInstanceDeleted not a function', {}, /onInstanceDeleted must be a function/, { onInstanceDeleted: true }],
      [
        'a short ownerTagSecret',
        {},
        /ownerTagSecret must be a string of at least 16 characters/,
        { ownerTagSecret: 'short' },
      ],
    ]) {
      const options = { ...base, elements: { sfdc: { ...sfdc, ...settings } }, ...topLevel };
      assert.throws(
        () => createConnectHandler(options),
        (error) => error instanceof TypeError && message.test(error.message),
        name,
      );
    }
    assert.doesNotThrow(() =>
      createConnectHandler({
        ...base,
        elements: {
          sfdc: {
            ...sfdc,
            configuration: { 'filter.response.nulls': true, 'oauth.scope': 'a b', 'oauth.request.url': 'x' },
            tags: ['crm'],
          },
        },
      }),
    );
  });

  for (const flow of ['4a', '4b']) {
    test(`flow ${flow}: the site goes to oauth/url as siteAddress and, through the flow cookie, into the instance configuration`, async () => {
      harness = await startHarness({
        sessions: true,
        elements: { zendesk },
        ...(flow === '4b' && { callbackPath: () => '/static/callback.html' }),
      });
      const alice = harness.browser();
      alice.signIn('alice');
      const finished =
        flow === '4a'
          ? await connect4a(alice, 'zendesk', '?site=acme')
          : await connect4b(alice, 'zendesk', '?site=acme');
      assert.equal(finished.status, flow === '4a' ? 200 : 201);
      const [oauthCall] = oauthUrlCalls();
      assert.equal(oauthCall.params.siteAddress, 'acme');
      const [post] = instancePosts();
      assert.equal(JSON.parse(post.body).configuration['zendesk.subdomain'], 'acme');
      assert.equal(harness.sandbox.instances()[0].configuration['zendesk.subdomain'], 'acme');
      // A reconnect takes the site again, and the PUT carries it too.
      const id = String(harness.sandbox.instances()[0].id);
      const again =
        flow === '4a'
          ? await connect4a(alice, 'zendesk', `?site=acme-eu&instance=${id}`)
          : await connect4b(alice, 'zendesk', `?site=acme-eu&instance=${id}`);
      assert.equal(again.status, 200);
      assert.equal(JSON.parse(instancePuts()[0].body).configuration['zendesk.subdomain'], 'acme-eu');
    });
  }

  test('a refused or missing site → 400 {message, field: "site"}, before any Cloud Elements call or flow cookie', async () => {
    harness = await startHarness({ sessions: true, elements: { zendesk } });
    const alice = harness.browser();
    alice.signIn('alice');
    for (const query of ['?site=Not%20a%20subdomain!', '', '?site=', '?site=a&site=b', `?site=${'a'.repeat(300)}`]) {
      const answer = await alice.startFlow('zendesk', query);
      assert.equal(answer.status, 400, query);
      const body = JSON.parse(answer.body);
      assert.deepEqual(Object.keys(body).sort(), ['field', 'message']);
      assert.equal(body.field, 'site');
    }
    assert.equal(harness.ceCalls.length, 0);
    assert.deepEqual(alice.cookieNames(), ['ce-test-session']);
    // A fixed siteAddress ignores ?site= (and still reaches Cloud Elements).
    await harness.close();
    harness = await startHarness({ elements: { zendesk: { ...zendesk, siteAddress: 'fixed' } } });
    assert.equal((await harness.browser().startFlow('zendesk', '?site=other')).status, 200);
    assert.equal(oauthUrlCalls()[0].params.siteAddress, 'fixed');
  });
});
