// The sandbox's catalogue, element by element, over real HTTP on loopback (sandbox.listen()): for every element,
// the round trip a host backend makes — oauth/url (GET) or oauth/token + oauth/url (OAuth 1) → the consent page's
// Allow → the callback's parameters → POST /instances — succeeds with the element's config row (docs/elements.md)
// and fails with Cloud Elements' message when one input is wrong.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { manualClock } from './support/harness.mjs';
import { readElementsTable as readTable } from './support/elements-table.mjs';
import {
  createSandbox,
  sandboxCatalogue,
  sandboxHostConfig,
  SANDBOX_JIRA_SITE,
  SANDBOX_PASSWORD,
  SANDBOX_USERNAME,
} from '../../lib/sandbox/index.js';

const AUTH = 'User sandbox-user-secret, Organization sandbox-organization-secret';
const APP = { apiKey: 'app-key', apiSecret: 'app-secret', callbackUrl: 'https://app.test/ce/callback?tenant=7' };
const REQUEST_ID = /^[0-9a-f]{24}$/;

const ROWS = readTable();

/** One wrong input per element: how the row changes, where the flow stops, and Cloud Elements' message. */
const WRONG = {
  sfdc: [
    {
      change: { siteAddress: 'test.salesforce.com' },
      at: 'oauth/url',
      message: 'siteAddress must be an https URL, e.g. https://test.salesforce.com',
    },
  ],
  hubspot: [
    { change: { configuration: {} }, at: 'instances', message: 'Missing required configuration: authentication.type' },
  ],
  hubspotcrm: [
    {
      change: { configuration: { 'authentication.type': 'apiKey' } },
      at: 'instances',
      message: 'authentication.type must be "oauth2" for HubSpot CRM',
    },
  ],
  box: [
    {
      change: { instanceApp: { callbackUrl: 'https://app.test/other' } },
      at: 'instances',
      message: /^oauth\.callback\.url does not match/,
    },
  ],
  dropbox: [
    { change: { instanceApp: { apiKey: 'other-key' } }, at: 'instances', message: /^oauth\.api\.key does not match/ },
  ],
  googledrive: [
    {
      change: { instanceApp: { apiSecret: 'other-secret' } },
      at: 'instances',
      message: /^oauth\.api\.secret does not match/,
    },
  ],
  onedrivev2: [
    {
      change: { scope: undefined },
      at: 'oauth/url',
      message: 'Missing required parameter: scope (OneDrive: e.g. files.readwrite offline_access)',
    },
  ],
  sharepoint: [
    {
      change: { configuration: { 'sharepoint.site.address': 'acme.sharepoint.com' } },
      at: 'instances',
      message: 'Missing required configuration: sharepoint.document.library, oauth.scope',
    },
    { change: { siteAddress: undefined }, at: 'oauth/url', message: /^Missing required parameter: siteAddress/ },
  ],
  quickbooks: [
    {
      change: { oauthUrlParameters: {} },
      at: 'oauth/url',
      message: /requestToken .* is required; or pass authentication\.type=oauth2/,
    },
    {
      change: { dropProviderData: ['realmId'] },
      at: 'instances',
      message: "providerData.realmId is required: the provider's callback carried it",
    },
  ],
  zendesk: [
    {
      change: { siteAddress: 'https://acme.zendesk.com' },
      at: 'oauth/url',
      message: 'siteAddress must be the bare subdomain, e.g. acme',
    },
    {
      change: { configuration: { 'zendesk.subdomain': 'https://acme.zendesk.com' } },
      at: 'instances',
      message: 'zendesk.subdomain must be the bare subdomain, e.g. acme',
    },
  ],
  slack: [
    {
      change: { scope: 'channels:read chat:write' },
      at: 'oauth/url',
      message: 'Slack takes its scope comma-separated',
    },
  ],
  shopify: [
    {
      change: { configuration: { 'shopify.site.address': 'other-store', 'oauth.scope': 'read_orders' } },
      at: 'instances',
      message: 'shopify.site.address does not match the siteAddress used for the OAuth URL (acme-store)',
    },
  ],
  docusign: [
    { change: { configuration: {} }, at: 'instances', message: 'Missing required configuration: docusign.environment' },
  ],
  xero: [
    {
      change: { providerData: { secret: 'not-the-secret' } },
      at: 'instances',
      message: 'providerData.secret is not the secret of this request token',
    },
  ],
  jira: [
    {
      change: { configuration: { username: SANDBOX_USERNAME, password: 'wrong', 'base.url': SANDBOX_JIRA_SITE } },
      at: 'instances',
      message: 'Invalid credentials: the Jira user name or password is incorrect',
    },
    {
      change: {
        configuration: {
          username: SANDBOX_USERNAME,
          password: SANDBOX_PASSWORD,
          'base.url': 'https://other.atlassian.net',
        },
      },
      at: 'instances',
      message: 'Could not connect to the Jira site given in base.url',
    },
  ],
  zohocrm: [
    {
      change: {
        configuration: { 'crm.zohocrm.username': 'someone@example.com', 'crm.zohocrm.password': SANDBOX_PASSWORD },
      },
      at: 'instances',
      message: 'Invalid credentials: the Zoho CRM user name or password is incorrect',
    },
    {
      change: { configuration: { 'crm.zohocrm.username': SANDBOX_USERNAME } },
      at: 'instances',
      message: 'Missing required configuration: crm.zohocrm.password',
    },
  ],
  zohocrmv2: [
    { change: { providerData: { code: 'made-up' } }, at: 'instances', message: 'The OAuth code is not valid' },
  ],
  twitter: [
    {
      change: { providerData: { oauth_verifier: 'guessed' } },
      at: 'instances',
      message: 'The OAuth verifier is not valid',
    },
  ],
  evernote: [
    { change: { siteAddress: undefined }, at: 'oauth/token', message: /^Missing required parameter: siteAddress/ },
  ],
};

let sandbox;
let server;
before(async () => {
  sandbox = createSandbox({ appName: 'Catalogue test' });
  server = await sandbox.listen();
});
after(() => server.close());

async function api(path, { method = 'GET', body } = {}, target = server) {
  const response = await fetch(`${target.baseUrl}${path}`, {
    method,
    headers: { Authorization: AUTH, ...(body !== undefined && { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
}

/** The query of oauth/url (or oauth/token) a host sends for a row. */
function oauthQuery(row, extra = {}) {
  const query = new URLSearchParams({ ...APP, ...(row.oauthUrlParameters ?? {}), ...extra });
  if (row.scope !== undefined) query.set('scope', row.scope);
  if (row.siteAddress !== undefined) query.set('siteAddress', row.siteAddress);
  return query;
}

/** The consent page of `oauthUrl` and its Allow (or Deny), as a browser would: the callback URL it redirects to. */
async function decide(oauthUrl, decision = 'allow') {
  const page = await fetch(oauthUrl);
  const html = await page.text();
  assert.equal(page.status, 200, html);
  const action = new URL(/<form method="post" action="([^"]+)"/.exec(html)[1], oauthUrl);
  const consent = /name="consent" value="([^"]+)"/.exec(html)[1];
  const answer = await fetch(action, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ consent, decision }).toString(),
  });
  assert.equal(answer.status, 303);
  return new URL(answer.headers.get('location'));
}

/**
 * The whole round trip for `key` with `row`: resolves `{ instance }`, or `{ at, result }` where Cloud Elements
 * refused. providerData is every callback parameter but state (+ the request-token secret for OAuth 1).
 */
async function connect(key, row, target = server) {
  const element = sandboxCatalogue.find((e) => e.key === key);
  const configuration = { ...(row.configuration ?? {}) };
  let providerData = {};
  if (element.auth !== 'credentials') {
    const oauth1 = element.auth === 'oauth1' || row.oauth1 === true;
    let secret;
    let extra = { state: 'host-state-123' };
    if (oauth1) {
      const token = await api(`/elements/${key}/oauth/token?${oauthQuery(row)}`, {}, target);
      if (token.status !== 200) return { at: 'oauth/token', result: token };
      assert.deepEqual(Object.keys(token.body).sort(), ['secret', 'token']);
      secret = token.body.secret;
      extra = { requestToken: token.body.token };
    }
    const url = await api(`/elements/${key}/oauth/url?${oauthQuery(row, extra)}`, {}, target);
    if (url.status !== 200) return { at: 'oauth/url', result: url };
    assert.equal(url.body.element, key);
    const callback = await decide(url.body.oauthUrl);
    assert.equal(`${callback.origin}${callback.pathname}`, 'https://app.test/ce/callback');
    assert.equal(callback.searchParams.get('tenant'), '7');
    // OAuth 1: Cloud Elements' own state, the element key; OAuth 2 (GET): the host's state comes back.
    assert.equal(callback.searchParams.get('state'), oauth1 ? key : 'host-state-123');
    providerData = Object.fromEntries(
      [...callback.searchParams].filter(([name]) => name !== 'state' && name !== 'tenant'),
    );
    if (oauth1) providerData.secret = secret;
    for (const name of row.dropProviderData ?? []) delete providerData[name];
    Object.assign(providerData, row.providerData);
    const app = { ...APP, ...row.instanceApp };
    Object.assign(configuration, {
      'oauth.api.key': app.apiKey,
      'oauth.api.secret': app.apiSecret,
      'oauth.callback.url': app.callbackUrl,
    });
  }
  const body = { element: { key }, name: `My ${element.name}`, tags: ['catalogue'], configuration };
  if (element.auth !== 'credentials') body.providerData = providerData;
  await row.beforeCreate?.();
  const created = await api('/instances', { method: 'POST', body }, target);
  return created.status === 200 ? { instance: created.body, providerData } : { at: 'instances', result: created };
}

test('every element of the catalogue has a row in docs/elements.md that says what the catalogue does, and a wrong case here', () => {
  assert.deepEqual(sandboxCatalogue.map((e) => e.key).sort(), Object.keys(ROWS).sort());
  assert.deepEqual(Object.keys(WRONG).sort(), Object.keys(ROWS).sort());
  for (const element of sandboxCatalogue) {
    const documented = Object.fromEntries(
      Object.entries(ROWS[element.key].documented).filter(([, value]) => value !== undefined),
    );
    assert.deepEqual(documented, { ...sandboxHostConfig(element) }, element.key);
  }
});

for (const element of sandboxCatalogue) {
  describe(`${element.key} (${element.auth})`, () => {
    test('its config row connects', async () => {
      const outcome = await connect(element.key, ROWS[element.key]);
      assert.ok(outcome.instance, JSON.stringify(outcome.result?.body));
      assert.equal(outcome.instance.element.key, element.key);
      assert.equal(JSON.stringify(outcome.instance).includes(SANDBOX_PASSWORD), false, 'the password is masked');
      assert.equal(JSON.stringify(outcome.instance).includes(APP.apiSecret), false);
      if (element.key === 'quickbooks')
        assert.match(outcome.providerData.realmId, /^\d{16}$/, 'the callback carries realmId');
      if (element.key === 'xero') assert.ok(outcome.providerData.org, 'the callback carries org');
    });
    for (const wrong of WRONG[element.key]) {
      test(`wrong: ${JSON.stringify(wrong.change)} → refused at ${wrong.at}`, async () => {
        const before = sandbox.instances().length;
        const outcome = await connect(element.key, { ...ROWS[element.key], ...wrong.change });
        assert.equal(outcome.at, wrong.at, JSON.stringify(outcome.instance ?? outcome.result.body));
        const { status, body, headers } = outcome.result;
        assert.ok(status >= 400 && status < 500, String(status));
        assert.match(body.requestId, REQUEST_ID);
        assert.equal(headers.get('elements-request-id'), body.requestId);
        if (wrong.message instanceof RegExp) assert.match(body.message, wrong.message);
        else assert.equal(body.message, wrong.message);
        assert.equal(sandbox.instances().length, before, 'nothing created');
      });
    }
  });
}

describe('OAuth 1', () => {
  test('oauth/token is an error for an OAuth 2 element, for QuickBooks asked for OAuth 2, and for a credentials element', async () => {
    for (const [key, query] of [
      ['sfdc', oauthQuery({})],
      ['quickbooks', oauthQuery(ROWS.quickbooks)],
      ['jira', oauthQuery({})],
    ]) {
      const result = await api(`/elements/${key}/oauth/token?${query}`);
      assert.equal(result.status, 400, key);
      assert.match(result.body.message, key === 'jira' ? /does not use OAuth/ : /is not an OAuth 1 element/);
    }
  });

  test('QuickBooks without authentication.type=oauth2 runs its OAuth 1.0 flow: realmId and dataSource come back', async () => {
    const outcome = await connect('quickbooks', { oauth1: true, configuration: {} });
    assert.ok(outcome.instance, JSON.stringify(outcome.result?.body));
    assert.equal(outcome.providerData.dataSource, 'QBO');
    assert.match(outcome.providerData.realmId, /^\d{16}$/);
  });

  test('the provider URL carries oauth_token and oauth_callback = callback URL + state=<element key>', async () => {
    const token = (await api(`/elements/twitter/oauth/token?${oauthQuery({})}`)).body;
    const { body } = await api(
      `/elements/twitter/oauth/url?${oauthQuery({}, { requestToken: token.token, state: 'ignored' })}`,
    );
    const url = new URL(body.oauthUrl);
    assert.equal(url.pathname, '/oauth/twitter/oauth/authorize');
    assert.equal(url.searchParams.get('oauth_token'), token.token);
    const callback = new URL(url.searchParams.get('oauth_callback'));
    assert.equal(callback.searchParams.get('state'), 'twitter');
    assert.equal(url.href.includes(token.secret), false, 'the request-token secret never reaches a browser URL');
  });

  test('a request token is bound to its key, secret and callback; unknown tokens are refused', async () => {
    const token = (await api(`/elements/twitter/oauth/token?${oauthQuery({})}`)).body;
    const other = await api(
      `/elements/twitter/oauth/url?${new URLSearchParams({ ...APP, apiKey: 'other', requestToken: token.token })}`,
    );
    assert.equal(other.status, 400);
    assert.equal(other.body.message, 'apiKey does not match the one used for the request token');
    const unknown = await api(
      `/elements/twitter/oauth/url?${new URLSearchParams({ ...APP, requestToken: 'made-up' })}`,
    );
    assert.equal(unknown.body.message, 'The request token is not valid or has expired');
    const missing = await api(`/elements/twitter/oauth/url?${new URLSearchParams(APP)}`);
    assert.match(missing.body.message, /requestToken from GET \/elements\/twitter\/oauth\/token is required$/);
  });

  test('Deny sends denied=<token> (as Twitter does) and spends the token; a used token is refused', async () => {
    const token = (await api(`/elements/twitter/oauth/token?${oauthQuery({})}`)).body;
    const { body } = await api(`/elements/twitter/oauth/url?${oauthQuery({}, { requestToken: token.token })}`);
    const callback = await decide(body.oauthUrl, 'deny');
    assert.equal(callback.searchParams.get('denied'), token.token);
    assert.equal(callback.searchParams.get('state'), 'twitter');
    assert.equal(callback.searchParams.has('oauth_verifier'), false);
    assert.equal((await fetch(body.oauthUrl)).status, 400, 'the consent page is gone');

    const first = await connect('twitter', {});
    const providerData = first.providerData;
    const again = await api('/instances', {
      method: 'POST',
      body: {
        element: { key: 'twitter' },
        name: 'again',
        providerData,
        configuration: {
          'oauth.api.key': APP.apiKey,
          'oauth.api.secret': APP.apiSecret,
          'oauth.callback.url': APP.callbackUrl,
        },
      },
    });
    assert.equal(again.status, 400);
    assert.equal(again.body.message, 'The OAuth token has already been used');
  });

  test('a verifier expires after codeTtlMs (sandbox clock); a request token waits 10 minutes for Allow', async () => {
    const clock = manualClock();
    const timed = createSandbox({ now: clock.now, codeTtlMs: 1000 });
    const target = await timed.listen();
    try {
      const onTime = await connect('twitter', { beforeCreate: () => clock.advance(999) }, target);
      assert.ok(onTime.instance, JSON.stringify(onTime.result?.body));
      const late = await connect('twitter', { beforeCreate: () => clock.advance(1000) }, target);
      assert.equal(late.result.body.message, 'The OAuth token has expired');
      const token = (await api(`/elements/twitter/oauth/token?${oauthQuery({})}`, {}, target)).body;
      clock.advance(10 * 60 * 1000);
      const url = await api(`/elements/twitter/oauth/url?${oauthQuery({}, { requestToken: token.token })}`, {}, target);
      assert.equal(url.body.message, 'The request token is not valid or has expired');
    } finally {
      await target.close();
    }
  });

  test('PUT /instances/{id} re-authenticates an OAuth 1 instance with a fresh token, verifier and secret', async () => {
    const { instance } = await connect('twitter', {});
    // A fresh round trip up to the callback, then PUT instead of POST.
    const token = (await api(`/elements/twitter/oauth/token?${oauthQuery({})}`)).body;
    const { body } = await api(`/elements/twitter/oauth/url?${oauthQuery({}, { requestToken: token.token })}`);
    const callback = await decide(body.oauthUrl);
    const fresh = {
      oauth_token: callback.searchParams.get('oauth_token'),
      oauth_verifier: callback.searchParams.get('oauth_verifier'),
    };
    const configuration = {
      'oauth.api.key': APP.apiKey,
      'oauth.api.secret': APP.apiSecret,
      'oauth.callback.url': APP.callbackUrl,
    };
    const wrong = await api(`/instances/${instance.id}`, {
      method: 'PUT',
      body: { providerData: { ...fresh }, configuration },
    });
    assert.equal(
      wrong.body.message,
      'You must provide secret in providerData in order to re-authenticate this instance',
    );
    const put = await api(`/instances/${instance.id}`, {
      method: 'PUT',
      body: { providerData: { ...fresh, secret: token.secret }, configuration },
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(put.body.id, instance.id);
    assert.notEqual(put.body.token, instance.token);
  });

  test('autoDecision answers the OAuth 1 consent page at once: allow → oauth_verifier, deny → denied', async () => {
    for (const decision of ['allow', 'deny']) {
      sandbox.configure({ autoDecision: decision });
      try {
        const token = (await api(`/elements/twitter/oauth/token?${oauthQuery({})}`)).body;
        const { body } = await api(`/elements/twitter/oauth/url?${oauthQuery({}, { requestToken: token.token })}`);
        const answer = await fetch(body.oauthUrl, { redirect: 'manual' });
        assert.equal(answer.status, 303);
        const callback = new URL(answer.headers.get('location'));
        assert.equal(callback.searchParams.get('state'), 'twitter');
        if (decision === 'allow') assert.ok(callback.searchParams.get('oauth_verifier'));
        else assert.equal(callback.searchParams.get('denied'), token.token);
      } finally {
        sandbox.configure({ autoDecision: undefined });
      }
    }
  });

  test('POST /instances without the OAuth 1 providerData names what is missing', async () => {
    const result = await api('/instances', {
      method: 'POST',
      body: { element: { key: 'evernote' }, name: 'x', providerData: { oauth_token: 't' }, configuration: {} },
    });
    assert.equal(result.status, 400);
    assert.equal(
      result.body.message,
      'You must provide oauth_verifier, secret in providerData in order to create an instance of this element',
    );
  });
});

describe('credentials elements', () => {
  test('no oauth/url for them, as the real API', async () => {
    const result = await api(`/elements/zohocrm/oauth/url?${new URLSearchParams(APP)}`);
    assert.equal(result.status, 400);
    assert.equal(
      result.body.message,
      "Element 'zohocrm' does not use OAuth: create its instance with its configuration",
    );
  });

  test('PUT /instances/{id} re-authenticates with right credentials and refuses wrong ones', async () => {
    const { instance } = await connect('jira', ROWS.jira);
    assert.equal(instance.configuration.password, '********');
    assert.equal(instance.configuration.username, SANDBOX_USERNAME);
    const wrong = await api(`/instances/${instance.id}`, {
      method: 'PUT',
      body: { configuration: { ...ROWS.jira.configuration, password: 'nope' } },
    });
    assert.equal(wrong.status, 400);
    sandbox.invalidate(instance.id);
    const right = await api(`/instances/${instance.id}`, {
      method: 'PUT',
      body: { configuration: ROWS.jira.configuration },
    });
    assert.equal(right.status, 200, JSON.stringify(right.body));
    assert.equal(right.body.valid, true);
    assert.notEqual(right.body.token, instance.token);
  });
});
