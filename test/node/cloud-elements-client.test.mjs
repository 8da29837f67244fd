// The Cloud Elements calls as documented (docs/protocol.md §10): oauth/url by GET with the element's
// oauthUrlParameters and its scope as given, its secrets never in a log line; lists paged through
// Elements-Next-Page-Token with hydrate=false up to 1,000 per owner (#19 item 10); the option rules of §10.1.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createConnectHandler } from '../../lib/server/index.js';
import { inProcess } from './support/harness.mjs';

const CE_BASE = 'https://ce.test/elements/api-v2';
const APP = 'https://app.test';
const API_SECRET = 'SENTINEL-api-secret-4242';
const SFDC = { apiKey: 'k', apiSecret: API_SECRET, callbackUrl: `${APP}/api/ce/sfdc/oauth/callback` };

/** The shared in-process pair, with `connect()`: one full flow 4a (oauth/url → consent → the callback route). */
function pairWith({ fetchDouble, elements, cloudElements } = {}) {
  // A single-user app: the owner routes (the list, a lookup) need authorize.
  const pair = inProcess({
    ...(fetchDouble && { around: fetchDouble }),
    elements: elements ?? { sfdc: SFDC },
    cloudElements,
    authorize: () => 'default',
  });
  pair.connect = async () => {
    const { request } = await pair.callbackRequest();
    assert.match(await (await pair.handler(request)).text(), /"instanceId"/);
  };
  return pair;
}

const listCalls = (calls) =>
  calls.filter((call) => call.method === 'GET' && new URL(call.url).pathname.endsWith('/instances'));

describe('oauth/url as documented', () => {
  test('GET with oauthUrlParameters, the scope as given (Slack: commas) and the POST variant carrying them too', async () => {
    for (const oauthUrlRequest of ['get', 'post']) {
      const pair = pairWith({
        cloudElements: { oauthUrlRequest },
        fetchDouble: async (request) => {
          const params =
            request.method === 'GET' ? Object.fromEntries(new URL(request.url).searchParams) : await request.json();
          return Response.json({ oauthUrl: `https://slack.test/oauth?state=${params.state ?? ''}`, params });
        },
        elements: {
          slack: {
            apiKey: 'k',
            apiSecret: API_SECRET,
            callbackUrl: `${APP}/api/ce/slack/oauth/callback`,
            scope: 'channels:read,chat:write',
            oauthUrlParameters: { 'authentication.type': 'oauth2', use_sandbox: 'true' },
            configuration: { 'oauth.scope': 'channels:read,chat:write' },
          },
        },
      });
      const answer = await pair.call('slack/oauth/url');
      assert.equal(answer.status, 200);
      const [call] = pair.calls;
      assert.equal(call.method, oauthUrlRequest.toUpperCase());
      const params =
        oauthUrlRequest === 'get' ? Object.fromEntries(new URL(call.url).searchParams) : JSON.parse(call.body);
      assert.equal(params.scope, 'channels:read,chat:write');
      assert.equal(params['authentication.type'], 'oauth2');
      assert.equal(params.use_sandbox, 'true');
      assert.equal(params.apiSecret, API_SECRET);
    }
  });

  for (const [title, fetchDouble] of [
    ['answers 500', async () => Response.json({ message: 'boom' }, { status: 500 })],
    ['answers 400', async () => Response.json({ message: 'Missing required parameter' }, { status: 400 })],
    ['cannot be reached', async () => Promise.reject(new TypeError(`fetch failed: ${CE_BASE}`))],
    [
      'never answers (timeout)',
      (request) =>
        new Promise((_resolve, reject) =>
          request.signal.addEventListener('abort', () => reject(request.signal.reason)),
        ),
    ],
  ]) {
    test(`oauth/url that ${title}: no log line or answer holds the apiSecret or the URL's query`, async () => {
      const pair = pairWith({ fetchDouble, cloudElements: { timeoutMs: 50 } });
      const answer = await pair.call('sfdc/oauth/url');
      assert.ok(answer.status >= 500, String(answer.status));
      const text = await answer.text();
      const [call] = pair.calls;
      const query = new URL(call.url).search;
      assert.ok(query.includes('apiSecret='), 'the GET carries the secret in its query');
      assert.ok(pair.logs.length > 0);
      for (const line of [...pair.logs, text]) {
        assert.equal(line.includes(API_SECRET), false, line);
        assert.equal(line.includes(query.slice(1, 40)), false, line);
        assert.equal(line.includes('apiSecret'), false, line);
      }
    });
  }
});

describe('lists page through Elements-Next-Page-Token with hydrate=false (#19 item 10)', () => {
  test('an owner with 250 instances sees all of them in one GET {api-base}/instances; a stale id is 404 unknown-instance', async () => {
    const pair = pairWith();
    for (let i = 0; i < 250; i += 1) await pair.connect();
    // The precondition of #19 item 10: hydrated, one page of these is more than the 1 MiB a Cloud Elements answer may be.
    const hydrated = await pair.sandbox.handler(
      new Request(`${CE_BASE}/instances?pageSize=200`, {
        headers: { Authorization: 'User u-secret, Organization o-secret' },
      }),
    );
    assert.ok((await hydrated.arrayBuffer()).byteLength > 1024 * 1024, 'a hydrated page is over 1 MiB');
    const before = pair.calls.length;
    const listed = await pair.call('instances');
    assert.equal(listed.status, 200);
    const { instances } = await listed.json();
    assert.equal(instances.length, 250);
    assert.equal(new Set(instances.map((instance) => instance.id)).size, 250);
    const pages = listCalls(pair.calls.slice(before));
    assert.ok(pages.length >= 2, 'more than one page');
    for (const page of pages) {
      const query = new URL(page.url).searchParams;
      assert.equal(query.get('hydrate'), 'false');
      assert.match(query.get('pageSize'), /^\d+$/);
    }
    assert.equal(new URL(pages[0].url).searchParams.has('nextPage'), false);
    assert.ok(new URL(pages[1].url).searchParams.get('nextPage'));
    // The ownership fallback reads the same list: an id that is not ours is 404 unknown-instance, not 502.
    const stale = await pair.call('instances/987654');
    assert.equal(stale.status, 404);
    assert.equal((await stale.json()).code, 'unknown-instance');
  });

  test('past 1,000 instances the list is cut, with a log line, never a 502', async () => {
    let served = 0;
    const pair = pairWith({
      // A Cloud Elements with no end of instances: every page full, always a next one.
      fetchDouble: async (request) => {
        const tag = new URL(request.url).searchParams.get('tags[]');
        const size = Number(new URL(request.url).searchParams.get('pageSize'));
        const page = Array.from({ length: size }, () => ({ id: (served += 1), element: { key: 'sfdc' }, tags: [tag] }));
        return Response.json(page, { headers: { 'Elements-Next-Page-Token': `t${served}` } });
      },
    });
    const listed = await pair.call('instances');
    assert.equal(listed.status, 200);
    assert.equal((await listed.json()).instances.length, 1000);
    assert.equal(served, 1000, 'no page is asked for past the cut');
    assert.ok(pair.logs.includes('ce-connect instance-list.cut kept=1000'), pair.logs.join('\n'));
  });
});

describe('option rules of the documented calls', () => {
  const base = {
    cloudElements: { userSecret: 'u-secret', organizationSecret: 'o-secret' },
    cookieSecret: 'c'.repeat(32),
    onInstanceCreated: () => {},
  };
  const element = { apiKey: 'k', apiSecret: 's', callbackUrl: 'https://app.test/cb' };

  test('oauthUrlParameters cannot replace the handler’s own parameters; other shapes are refused too', () => {
    for (const name of [
      'apiKey',
      'apiSecret',
      'callbackUrl',
      'state',
      'requestToken',
      'scope',
      'siteAddress',
      'STATE',
    ]) {
      assert.throws(
        () =>
          createConnectHandler({
            ...base,
            elements: { quickbooks: { ...element, oauthUrlParameters: { [name]: 'x' } } },
          }),
        (error) => error instanceof TypeError && error.message.includes(`oauthUrlParameters must not set "${name}"`),
        name,
      );
    }
    for (const value of ['a=b', ['x'], { 'authentication.type': 2 }, { 'bad name': 'x' }, { x: 'line\nbreak' }]) {
      assert.throws(
        () => createConnectHandler({ ...base, elements: { quickbooks: { ...element, oauthUrlParameters: value } } }),
        (error) => error instanceof TypeError && /oauthUrlParameters/.test(error.message),
        JSON.stringify(value),
      );
    }
  });

  test('a scope is taken as given (commas and spaces); an empty one or one with control characters is not', () => {
    for (const scope of [
      'channels:read,chat:write',
      'files.readwrite offline_access',
      'com.intuit.quickbooks.accounting',
    ]) {
      assert.doesNotThrow(() => createConnectHandler({ ...base, elements: { slack: { ...element, scope } } }), scope);
    }
    for (const scope of ['', '  ', 'a\nb', 42]) {
      assert.throws(
        () => createConnectHandler({ ...base, elements: { slack: { ...element, scope } } }),
        (error) => error instanceof TypeError && /elements\.slack\.scope/.test(error.message),
      );
    }
  });
});
