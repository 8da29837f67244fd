// docs/elements.md's table "element → what to put in its config", row by row, through the real handler against the
// sandbox: with exactly the row's config a full flow completes in flow 4a (the callback route) and flow 4b
// (POST {api-base}/instances with providerData), every callback extra (QuickBooks realmId) reaching Cloud Elements
// in providerData; with a wrong config the flow stops with a named, typed error, and bad callback parameters stop it
// as invalid-callback before anything reaches Cloud Elements. The table is parsed here, so doc and test cannot drift.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createConnectHandler } from '../../lib/server/index.js';
import { readProviderAnswer } from '../../lib/provider-answer.js';
import { readElementsTable } from './support/elements-table.mjs';
import { decide, openConsent, pageResult, startHarness } from './support/harness.mjs';

const ROWS = Object.entries(readElementsTable());
const OAUTH2_ROWS = ROWS.filter(([, row]) => row.auth === 'oauth2');

/** The host config of one row: exactly what the table says, plus the app's key and secret. */
function hostConfig(key, row) {
  return {
    apiKey: `${key}-key`,
    apiSecret: `${key}-secret-value-0001`,
    ...(row.scope !== undefined && { scope: row.scope }),
    ...(row.oauthUrlParameters !== undefined && { oauthUrlParameters: row.oauthUrlParameters }),
    ...(row.siteAddress !== undefined && { siteAddress: row.siteAddress }),
    ...(Object.keys(row.configuration).length > 0 && { configuration: row.configuration }),
  };
}

/** Every oauth2 row as one element of the harness, each with its row's config (or a changed one). */
const elementsOf = (change = () => ({})) =>
  Object.fromEntries(OAUTH2_ROWS.map(([key, row]) => [key, { ...hostConfig(key, row), ...change(key, row) }]));

/** oauth/url → the consent page → Allow: the URL the provider sends the browser back to. */
async function consent(browser, key, query = '') {
  const started = await browser.startFlow(key, query);
  assert.equal(started.status, 200, `${key}: oauth/url answered ${started.status} ${started.body}`);
  const page = await openConsent(started.json.oauthUrl);
  const { location } = await decide(page, 'allow');
  return { state: started.json.state, location: new URL(location) };
}

/** The body of the one `POST /instances` made since `from` (an index into the recorded calls). */
function postedInstance(harness, from) {
  const posts = harness.ceCalls
    .slice(from)
    .filter((call) => call.method === 'POST' && new URL(call.url).pathname.endsWith('/instances'));
  assert.equal(posts.length, 1, 'one POST /instances');
  return JSON.parse(posts[0].body);
}

const instancePostsSince = (harness, from) =>
  harness.ceCalls
    .slice(from)
    .filter((call) => call.method === 'POST' && new URL(call.url).pathname.endsWith('/instances')).length;

for (const flow of ['4a', '4b']) {
  describe(`flow ${flow}: every row of docs/elements.md connects with exactly its config`, () => {
    let harness;
    before(async () => {
      harness = await startHarness({
        elements: elementsOf(),
        ...(flow === '4b' && { callbackPath: () => '/static/callback.html' }),
      });
    });
    after(() => harness.close());

    for (const [key, row] of OAUTH2_ROWS) {
      test(`${key}: connects, the callback's ${row.callbackExtras.join(', ') || 'code'} reaching Cloud Elements in providerData`, async () => {
        const browser = harness.browser();
        const { state, location } = await consent(browser, key);
        for (const extra of row.callbackExtras)
          assert.ok(location.searchParams.has(extra), `the callback carries ${extra}`);
        const from = harness.ceCalls.length;
        if (flow === '4a') {
          const page = await browser.fetch(location.href);
          const result = pageResult(page.body);
          assert.equal(result.error, undefined, `${key}: ${result.errorDescription}`);
          assert.match(result.instanceId, /^\d+$/);
        } else {
          // What the callback script posts: the shared reader's providerData beside the code.
          const answer = readProviderAnswer(location.searchParams);
          assert.equal(answer.kind, 'code');
          const posted = await browser.postInstance({
            element: { key },
            providerData: { ...answer.providerData, code: answer.code },
            state,
          });
          assert.equal(posted.status, 201, posted.body);
        }
        const body = postedInstance(harness, from);
        assert.deepEqual(Object.keys(body.providerData).sort(), ['code', ...row.callbackExtras].sort());
        for (const extra of row.callbackExtras)
          assert.equal(body.providerData[extra], location.searchParams.get(extra));
        for (const [name, value] of Object.entries(row.configuration))
          assert.equal(body.configuration[name], value, name);
      });

      test(`${key}: callback parameters beyond the bounds → invalid-callback, nothing sent to Cloud Elements`, async () => {
        const browser = harness.browser();
        const { state, location } = await consent(browser, key);
        const from = harness.ceCalls.length;
        if (flow === '4a') {
          location.searchParams.set('oversize', 'x'.repeat(2049));
          const result = pageResult((await browser.fetch(location.href)).body);
          assert.equal(result.error, 'invalid_callback');
          assert.equal(result.state, state);
        } else {
          const code = location.searchParams.get('code');
          const extras = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`p${i}`, 'v']));
          const posted = await browser.postInstance({ element: { key }, providerData: { ...extras, code }, state });
          assert.equal(posted.status, 400);
          assert.equal(posted.json.code, 'invalid-callback');
          const badName = await browser.postInstance({
            element: { key },
            providerData: { 'bad name': 'v', code },
            state,
          });
          assert.equal(badName.json.code, 'invalid-callback');
        }
        assert.equal(instancePostsSince(harness, from), 0, 'no POST /instances');
      });
    }
  });
}

// OAuth 1 completes through the callback route (flow 4a) only, and a credentials element has no callback at all.
const OTHER_ROWS = ROWS.filter(([, row]) => row.auth !== 'oauth2');

/** The host config of an oauth1 or credentials row: the row's settings, its `auth`, and a credentials row's fields. */
function otherConfig(key, row) {
  if (row.auth === 'oauth1') return { ...hostConfig(key, row), auth: 'oauth1' };
  const { configuration } = row.documented;
  return { auth: 'credentials', callbackUrl: undefined, fields: row.fields, ...(configuration && { configuration }) };
}

describe('every oauth1 and credentials row of docs/elements.md connects with exactly its config', () => {
  let harness;
  before(async () => {
    const elements = Object.fromEntries(OTHER_ROWS.map(([key, row]) => [key, otherConfig(key, row)]));
    harness = await startHarness({ elements, server: { appName: 'ce-connect tests' } });
  });
  after(() => harness.close());

  for (const [key, row] of OTHER_ROWS) {
    test(`${key} (${row.auth}): connects, and Cloud Elements gets what the row says`, async () => {
      const browser = harness.browser();
      const started = await browser.startFlow(key);
      assert.equal(started.status, 200, `${key}: oauth/url answered ${started.status} ${started.body}`);
      const from = harness.ceCalls.length;
      let answer;
      if (row.auth === 'oauth1') {
        const start = await browser.fetch(started.json.oauthUrl);
        assert.equal(start.status, 303, start.body);
        const { location } = await decide(await openConsent(start.headers.get('location')), 'allow');
        const callback = new URL(location);
        for (const extra of row.callbackExtras)
          assert.ok(callback.searchParams.has(extra), `the callback carries ${extra}`);
        answer = await browser.fetch(callback.href);
      } else {
        const values = Object.fromEntries(row.fields.map((field) => [field.key, row.configuration[field.key]]));
        answer = await browser.fetch(started.json.oauthUrl, {
          method: 'POST',
          headers: { Origin: harness.appUrl, 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(values).toString(),
        });
      }
      const result = pageResult(answer.body);
      assert.equal(result.error, undefined, `${key}: ${result.errorDescription}`);
      assert.equal(result.state, started.json.state);
      const body = postedInstance(harness, from);
      if (row.auth === 'oauth1') {
        const expected = ['oauth_token', 'oauth_verifier', 'secret', ...row.callbackExtras].sort();
        assert.deepEqual(Object.keys(body.providerData).sort(), expected);
      } else {
        assert.equal(body.providerData, undefined);
      }
      for (const [name, value] of Object.entries(row.configuration))
        assert.equal(body.configuration[name], value, name);
    });
  }
});

describe('a wrong config stops the flow with a named, typed error', () => {
  test('a row without its oauthUrlParameters (QuickBooks) → 502 {code: "invalid-oauth-url"} saying what to set', async () => {
    const rows = OAUTH2_ROWS.filter(([, row]) => row.oauthUrlParameters !== undefined);
    assert.ok(rows.some(([key]) => key === 'quickbooks'));
    const harness = await startHarness({
      elements: elementsOf((_key, row) => (row.oauthUrlParameters ? { oauthUrlParameters: undefined } : {})),
    });
    try {
      for (const [key, row] of rows) {
        const started = await harness.browser().startFlow(key);
        assert.equal(started.status, 502, key);
        const body = JSON.parse(started.body);
        assert.equal(body.code, 'invalid-oauth-url');
        assert.ok(
          body.message.includes(`elements.${key}.oauthUrlParameters to ${JSON.stringify(row.oauthUrlParameters)}`),
          body.message,
        );
      }
      assert.equal(instancePostsSince(harness, 0), 0);
    } finally {
      await harness.close();
    }
  });

  test('Cloud Elements answering an OAuth 1.0 URL for an element run as OAuth 2 → the same message', async () => {
    const harness = await startHarness({
      elements: {
        quickbooks: { apiKey: 'qb-key', apiSecret: 'qb-secret-value-0001', scope: 'com.intuit.quickbooks.accounting' },
      },
      // The real Cloud Elements: 200 with the OAuth 1.0 provider URL (its request token, Cloud Elements' own state).
      ceFetch: async (input, init) =>
        new URL(String(input)).pathname.endsWith('/oauth/url')
          ? Response.json({
              element: 'quickbooks',
              oauthUrl: 'https://appcenter.intuit.com/Connect/Begin?oauth_token=tok&state=quickbooks',
            })
          : fetch(input, init),
    });
    try {
      const started = await harness.browser().startFlow('quickbooks');
      assert.equal(started.status, 502);
      const body = JSON.parse(started.body);
      assert.equal(body.code, 'invalid-oauth-url');
      assert.match(body.message, /set elements\.quickbooks\.oauthUrlParameters to \{"authentication\.type":"oauth2"\}/);
    } finally {
      await harness.close();
    }
  });

  test('a row without its required scope → 502 invalid-oauth-url', async () => {
    const rows = OAUTH2_ROWS.filter(([key, row]) => row.scope !== undefined && key !== 'quickbooks');
    assert.ok(rows.length > 0);
    const harness = await startHarness({
      elements: elementsOf((_key, row) => (row.scope ? { scope: undefined } : {})),
    });
    try {
      for (const [key] of rows) {
        const started = await harness.browser().startFlow(key);
        assert.equal(started.status, 502, key);
        assert.equal(JSON.parse(started.body).code, 'invalid-oauth-url', key);
      }
    } finally {
      await harness.close();
    }
  });

  test('a URL typed where the element takes a bare subdomain or host (Zendesk) → 400 {field: "site"}', async () => {
    const rows = OAUTH2_ROWS.filter(([, row]) => row.siteAddress !== undefined);
    assert.ok(rows.some(([key]) => key === 'zendesk'));
    // The host lets the user type the site: the row's value is what fits, a URL is what users paste.
    const harness = await startHarness({
      elements: elementsOf((_key, row) => (row.siteAddress ? { siteAddress: (input) => input } : {})),
    });
    try {
      for (const [key, row] of rows) {
        const typed = `https://${row.siteAddress}${row.siteAddress.includes('.') ? '' : '.example.com'}`;
        const refused = await harness.browser().startFlow(key, `?site=${encodeURIComponent(typed)}`);
        assert.equal(refused.status, 400, key);
        const body = JSON.parse(refused.body);
        assert.equal(body.field, 'site');
        assert.match(body.message, /must be .*, e\.g\. /);
        const fits = await harness.browser().startFlow(key, `?site=${encodeURIComponent(row.siteAddress)}`);
        assert.equal(fits.status, 200, `${key}: ${fits.body}`);
      }
      assert.equal(
        harness.ceCalls.filter((call) => call.url.includes('https%3A%2F%2F')).length,
        0,
        'no URL-shaped site reached Cloud Elements',
      );
    } finally {
      await harness.close();
    }
    // A fixed siteAddress of the wrong shape is a TypeError at creation.
    assert.throws(
      () =>
        createConnectHandler({
          cloudElements: { userSecret: 'u', organizationSecret: 'o' },
          cookieSecret: 'c'.repeat(32),
          onInstanceCreated: () => {},
          elements: {
            zendesk: {
              apiKey: 'k',
              apiSecret: 's',
              callbackUrl: 'https://app.test/cb',
              siteAddress: 'https://acme.zendesk.com',
            },
          },
        }),
      (error) =>
        error instanceof TypeError &&
        /elements\.zendesk\.siteAddress: .*bare Zendesk subdomain, e\.g\. acme/.test(error.message),
    );
  });

  for (const flow of ['4a', '4b']) {
    test(`flow ${flow}: a row without its configuration → the exchange fails, nothing kept`, async () => {
      const rows = OAUTH2_ROWS.filter(([, row]) => Object.keys(row.configuration).length > 0);
      const harness = await startHarness({
        elements: elementsOf(() => ({ configuration: undefined })),
        ...(flow === '4b' && { callbackPath: () => '/static/callback.html' }),
      });
      try {
        for (const [key] of rows) {
          const browser = harness.browser();
          const { state, location } = await consent(browser, key);
          if (flow === '4a') {
            const result = pageResult((await browser.fetch(location.href)).body);
            assert.equal(result.error, 'exchange_failed', key);
          } else {
            const answer = readProviderAnswer(location.searchParams);
            const posted = await browser.postInstance({
              element: { key },
              providerData: { ...answer.providerData, code: answer.code },
              state,
            });
            assert.equal(posted.status, 502, key);
            assert.equal(posted.json.message, 'Cloud Elements refused to create the instance');
          }
        }
        assert.equal(harness.created.length, 0);
        assert.deepEqual(harness.sandbox.instances(), []);
      } finally {
        await harness.close();
      }
    });
  }
});
