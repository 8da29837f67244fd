// ce-connect/server: option validation at creation, base path matching and routing edges.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createConnectHandler } from '../../lib/server/index.js';

const SECRET_VALUES = ['user-secret-value', 'org-secret-value', 'api-secret-value'];

function options(overrides = {}) {
  return {
    cloudElements: { userSecret: SECRET_VALUES[0], organizationSecret: SECRET_VALUES[1] },
    elements: {
      sfdc: { apiKey: 'key', apiSecret: SECRET_VALUES[2], callbackUrl: 'https://app.test/api/ce/sfdc/oauth/callback' },
    },
    cookieSecret: 'x'.repeat(32),
    onInstanceCreated: () => {},
    ...overrides,
  };
}

function sfdc(overrides) {
  return { elements: { sfdc: { ...options().elements.sfdc, ...overrides } } };
}

describe('createConnectHandler validates its options', () => {
  const invalid = [
    ['no options', undefined],
    ['a short cookieSecret', options({ cookieSecret: 'x'.repeat(31) })],
    ['no cookieSecret', options({ cookieSecret: undefined })],
    ['no onInstanceCreated', options({ onInstanceCreated: undefined })],
    ['no cloudElements', options({ cloudElements: undefined })],
    ['an empty userSecret', options({ cloudElements: { userSecret: '', organizationSecret: 'o' } })],
    ['a secret with a comma', options({ cloudElements: { userSecret: 'a,b', organizationSecret: 'o' } })],
    [
      'an http baseUrl off loopback',
      options({
        cloudElements: { baseUrl: 'http://ce.example/elements/api-v2', userSecret: 'u', organizationSecret: 'o' },
      }),
    ],
    ['a zero timeoutMs', options({ cloudElements: { userSecret: 'u', organizationSecret: 'o', timeoutMs: 0 } })],
    ['no elements', options({ elements: {} })],
    ['an upper-case element key', options({ elements: { SFDC: options().elements.sfdc } })],
    ['a path-like element key', options({ elements: { '../x': options().elements.sfdc } })],
    ['a relative callbackUrl', options(sfdc({ callbackUrl: '/api/ce/sfdc/oauth/callback' }))],
    ['a javascript: callbackUrl', options(sfdc({ callbackUrl: 'javascript:alert(1)' }))],
    ['a callbackUrl with a fragment', options(sfdc({ callbackUrl: 'https://app.test/cb#x' }))],
    ['no apiSecret', options(sfdc({ apiSecret: undefined }))],
    [
      'mixed callback schemes',
      options({
        elements: { ...options().elements, box: { apiKey: 'k', apiSecret: 's', callbackUrl: 'http://localhost/cb' } },
      }),
    ],
    ['an allowed origin with a path', options({ allowedOrigins: ['https://app.test/'] })],
    ['a basePath without a leading slash', options({ basePath: 'api/ce' })],
    ['a basePath with a query', options({ basePath: '/api?x' })],
    // Hardening 7: "/" would claim the host's every route; dot segments never match a parsed request path.
    ['basePath "/"', options({ basePath: '/' })],
    ['a basePath with a "." segment', options({ basePath: '/api/./ce' })],
    ['a basePath with a ".." segment', options({ basePath: '/api/../ce' })],
    ['a basePath ending in ".."', options({ basePath: '/api/ce/..' })],
    ['basePath "/."', options({ basePath: '/.' })],
    ['a flowTtlMs over 10 minutes', options({ flowTtlMs: 600_001 })],
    ['a now that is not a function', options({ now: 1_700_000_000_000 })],
  ];
  for (const [name, value] of invalid) {
    test(`throws a TypeError for ${name}, naming no secret`, () => {
      assert.throws(
        () => createConnectHandler(value),
        (error) => {
          assert.ok(error instanceof TypeError);
          assert.match(error.message, /^ce-connect\/server: /);
          for (const secret of SECRET_VALUES) assert.equal(error.message.includes(secret), false);
          return true;
        },
      );
    });
  }

  test('accepts a valid configuration, loopback http for CE, and http callbacks for local development', () => {
    createConnectHandler(options());
    createConnectHandler(
      options({
        cloudElements: {
          baseUrl: 'http://127.0.0.1:9/elements/api-v2/',
          userSecret: 'u',
          organizationSecret: 'o',
          timeoutMs: 1,
        },
        elements: {
          sfdc: {
            apiKey: 'k',
            apiSecret: 's',
            callbackUrl: 'http://localhost:8000/cb',
            scope: 'api',
            siteAddress: 'https://test.salesforce.com',
          },
        },
        allowedOrigins: ['http://localhost:8000'],
        basePath: '/connect/',
        now: () => Date.UTC(2030, 0, 1),
      }),
    );
  });
});

describe('routing', () => {
  const handler = createConnectHandler(options({ basePath: '/connect' }));
  const get = (path, init) => handler(new Request(`http://localhost${path}`, init));

  test('paths outside basePath are not its own', async () => {
    for (const path of ['/', '/api/ce/sfdc/oauth/url', '/connectx/sfdc/oauth/url', '/other']) {
      assert.equal(await get(path), undefined, path);
    }
  });

  test('its own unknown paths → 404 JSON; wrong methods → 405 with Allow', async () => {
    for (const path of [
      '/connect',
      '/connect/',
      '/connect/sfdc',
      '/connect/sfdc/oauth',
      '/connect/sfdc/oauth/url/x',
      '/connect/sfdc/other/url',
    ]) {
      const response = await get(path);
      assert.equal(response.status, 404, path);
      assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
    }
    const post = await get('/connect/sfdc/oauth/url', { method: 'POST', headers: { 'X-CE-Connect': '1' } });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET');
    const putInstances = await get('/connect/instances', { method: 'PUT', headers: { 'X-CE-Connect': '1' } });
    assert.equal(putInstances.status, 405);
    assert.equal(putInstances.headers.get('allow'), 'GET, POST');
    const patchInstance = await get('/connect/instances/123', { method: 'PATCH', headers: { 'X-CE-Connect': '1' } });
    assert.equal(patchInstance.status, 405);
    assert.equal(patchInstance.headers.get('allow'), 'GET, DELETE');
    assert.equal((await get('/connect/instances/123/x')).status, 404);
  });

  test('an unconfigured but well-formed key (including Object.prototype names) → 404', async () => {
    for (const key of ['hubspot', 'constructor', 'tostring', 'hasownproperty']) {
      const response = await get(`/connect/${key}/oauth/url`, { headers: { 'X-CE-Connect': '1' } });
      assert.equal(response.status, 404, key);
    }
  });

  test('the callback page refers to callback.js under the configured basePath', async () => {
    const response = await get('/connect/sfdc/oauth/callback?code=x&state=y');
    assert.match(await response.text(), /<script type="module" src="\/connect\/callback\.js"><\/script>/);
  });
});

test('a callback URL on a public host must be https (http only on loopback)', async () => {
  const { createConnectHandler } = await import('../../lib/server/index.js');
  const base = {
    cloudElements: { userSecret: 'u'.repeat(12), organizationSecret: 'o'.repeat(12) },
    cookieSecret: 'c'.repeat(32),
    onInstanceCreated: () => undefined,
  };
  assert.throws(
    () =>
      createConnectHandler({
        ...base,
        elements: { sfdc: { apiKey: 'k', apiSecret: 's', callbackUrl: 'http://app.example.com/cb' } },
      }),
    /callbackUrl must be an absolute https URL/,
  );
  assert.doesNotThrow(() =>
    createConnectHandler({
      ...base,
      elements: { sfdc: { apiKey: 'k', apiSecret: 's', callbackUrl: 'http://127.0.0.1:3000/cb' } },
    }),
  );
});
