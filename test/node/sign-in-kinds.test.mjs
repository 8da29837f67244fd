// The sign-in kinds beside OAuth 2 (docs/kinds.md), end to end against the sandbox: OAuth 1 (twitter) through the
// start route and the callback found by oauth_token; credentials (zohocrm, jira) through the handler's form.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { createConnectHandler } from '../../lib/server/index.js';
import { SANDBOX_JIRA_SITE, SANDBOX_PASSWORD, SANDBOX_USERNAME } from '../../lib/sandbox/index.js';
import { consent, forbiddenValues, manualClock, pageResult, SECRETS, startHarness } from './support/harness.mjs';

let harness;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const TWITTER = { twitter: { auth: 'oauth1', apiKey: 'twitter-key', apiSecret: 'SENTINELtwittersecret77' } };
const ZOHO_LOGIN = { 'crm.zohocrm.username': SANDBOX_USERNAME, 'crm.zohocrm.password': SANDBOX_PASSWORD };
const ZOHO_FIELDS = [
  {
    key: 'crm.zohocrm.username',
    label: 'User name',
    type: 'email',
    help: 'The email address you sign in to Zoho with',
  },
  { key: 'crm.zohocrm.password', label: 'Password', type: 'password' },
];
const ZOHO = { zohocrm: { auth: 'credentials', displayName: 'Zoho CRM', fields: ZOHO_FIELDS, callbackUrl: undefined } };
const JIRA = {
  jira: {
    auth: 'credentials',
    callbackUrl: undefined,
    fields: [
      { key: 'username', label: 'Email', type: 'email' },
      { key: 'password', label: 'API token', type: 'password' },
      { key: 'base.url', label: 'Jira site', type: 'url' },
    ],
  },
};
const WRONG_PASSWORD = 'SENTINELwrong-password-42';

/** The instance calls (POST, PUT) that reached Cloud Elements. */
const instanceWrites = (h) =>
  h.ceCalls.filter((call) => /\/instances(\/\d+)?$/.test(new URL(call.url).pathname) && call.method !== 'GET');

/** Creates a handler with `options` beside the minimal required ones, when called (for assert.throws). */
const creatingHandler = (options) => () =>
  createConnectHandler({
    cloudElements: { userSecret: 'u', organizationSecret: 'o' },
    cookieSecret: SECRETS.cookieSecret,
    onInstanceCreated() {},
    ...options,
  });

/** A callback or form answer that reports `error` (for `state`, where the flow is known) and wrote no instance. */
function assertFailedUnwritten(page, error, state) {
  const result = pageResult(page.body);
  if (state !== undefined) assert.equal(result.state, state);
  assert.equal(result.error, error);
  assert.equal(instanceWrites(harness).length, 0);
}

/** OAuth 1 up to the provider's redirect back: oauth/url, the start route, the consent page, the decision. */
async function twitterConsent(browser, decision = 'allow', query = '') {
  const started = await browser.startFlow('twitter', query);
  assert.equal(started.status, 200, started.body);
  const start = await browser.fetch(started.json.oauthUrl);
  assert.equal(start.status, 303, start.body);
  const { location } = await consent(start.headers.get('location'), decision);
  return { started, state: started.json.state, start, location: new URL(location) };
}

/** Posts the credentials form as a browser would (same-origin Origin, form-encoded). */
function postForm(browser, url, values, headers = {}) {
  return browser.fetch(url, {
    method: 'POST',
    headers: { Origin: harness.appUrl, 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: typeof values === 'string' ? values : new URLSearchParams(values).toString(),
  });
}

/** Everything a browser or the host's log saw, to look for what must never be there. */
function seen(h) {
  return [...h.responses.flatMap((r) => [r.url, r.body, ...r.headers.values()]), ...h.logs].join('\n');
}

describe('OAuth 1 (twitter)', () => {
  test('oauth/url answers the start route on the host with our state; the callback creates the instance with token, verifier and secret', async () => {
    harness = await startHarness({ elements: TWITTER });
    const browser = harness.browser();
    const { started, state, start, location } = await twitterConsent(browser);
    const oauthUrl = new URL(started.json.oauthUrl);
    assert.equal(oauthUrl.origin, harness.appUrl);
    assert.equal(oauthUrl.pathname, '/api/ce/twitter/oauth1/start');
    assert.equal(oauthUrl.searchParams.get('state'), state);
    assert.equal(start.headers.get('referrer-policy'), 'no-referrer');
    // Cloud Elements' own state: the element key; the flow is found by oauth_token.
    assert.equal(location.searchParams.get('state'), 'twitter');
    assert.ok(location.searchParams.get('oauth_token'));

    const page = await browser.fetch(location.href);
    assert.equal(page.status, 200);
    const result = pageResult(page.body);
    assert.equal(result.state, state);
    assert.equal(result.instanceId, String(harness.sandbox.instances()[0].id));
    assert.equal(harness.created.length, 1);

    const tokenCall = harness.ceCalls.find((call) => call.url.includes('/oauth/token?'));
    assert.ok(tokenCall, 'a request token was asked for');
    const urlCall = harness.ceCalls.find((call) => call.url.includes('/oauth/url?'));
    assert.equal(new URL(urlCall.url).searchParams.get('requestToken'), location.searchParams.get('oauth_token'));
    const [post] = instanceWrites(harness);
    const { providerData } = JSON.parse(post.body);
    assert.deepEqual(Object.keys(providerData).sort(), ['oauth_token', 'oauth_verifier', 'secret']);
    assert.equal(providerData.oauth_verifier, location.searchParams.get('oauth_verifier'));
    // The request-token secret never reached the browser (sealed in the cookie) or a log line.
    assert.ok(providerData.secret.length >= 8);
    const everything = seen(harness);
    for (const value of [providerData.secret, ...forbiddenValues(harness), 'SENTINELtwittersecret77']) {
      assert.equal(everything.includes(value), false, 'a secret leaked');
    }
    assert.equal(browser.cookieNames().length, 0, 'the flow cookie is cleared');
  });

  test('Deny (denied=<token>) → provider-denied (access_denied) for our state; nothing is created', async () => {
    harness = await startHarness({ elements: TWITTER });
    const browser = harness.browser();
    const { state, location } = await twitterConsent(browser, 'deny');
    assert.ok(location.searchParams.get('denied'));
    assertFailedUnwritten(await browser.fetch(location.href), 'access_denied', state);
  });

  test('a replayed callback creates nothing more', async () => {
    harness = await startHarness({ elements: TWITTER });
    const browser = harness.browser();
    const { location } = await twitterConsent(browser);
    await browser.fetch(location.href);
    const replay = await browser.fetch(location.href);
    assert.equal(replay.status, 400);
    assert.equal(pageResult(replay.body), null);
    assert.equal(instanceWrites(harness).length, 1);
    assert.equal(harness.created.length, 1);
  });

  test('a callback without the flow cookie (another browser) is refused: neutral page, nothing created', async () => {
    harness = await startHarness({ elements: TWITTER });
    const { location } = await twitterConsent(harness.browser());
    const other = await harness.browser().fetch(location.href);
    assert.equal(other.status, 400);
    assert.equal(pageResult(other.body), null);
    assert.equal(instanceWrites(harness).length, 0);
  });

  test('a callback from another owner is refused (403, flow spent); nothing created', async () => {
    harness = await startHarness({ elements: TWITTER, sessions: true });
    const browser = harness.browser();
    browser.signIn('alice');
    const { state, location } = await twitterConsent(browser);
    browser.signIn('mallory');
    const page = await browser.fetch(location.href);
    assert.equal(page.status, 403);
    assertFailedUnwritten(page, 'exchange_failed', state);
  });

  test('callback parameters beyond the provider-data bounds: invalid, nothing sent to Cloud Elements; a sent secret is not ours', async () => {
    harness = await startHarness({ elements: TWITTER });
    const browser = harness.browser();
    const { location } = await twitterConsent(browser);
    const crowded = new URL(location);
    for (let i = 0; i < 16; i++) crowded.searchParams.set(`extra${i}`, 'x');
    const page = await browser.fetch(crowded.href);
    assertFailedUnwritten(page, 'invalid_callback');

    const second = harness.browser();
    const again = await twitterConsent(second);
    again.location.searchParams.set('secret', 'forged-by-the-provider');
    assert.ok(pageResult((await second.fetch(again.location.href)).body).instanceId);
    assert.notEqual(JSON.parse(instanceWrites(harness).at(-1).body).providerData.secret, 'forged-by-the-provider');
  });

  test('the start route needs this browser’s flow of that state', async () => {
    harness = await startHarness({ elements: TWITTER });
    const started = await harness.browser().startFlow('twitter');
    const elsewhere = await harness.browser().fetch(started.json.oauthUrl);
    assert.equal(elsewhere.status, 400);
    assert.equal(elsewhere.headers.get('location'), null);
  });

  test('a reconnect ends in PUT /instances/{id}', async () => {
    // A single-user app: the owner routes (a reconnect) need authorize.
    harness = await startHarness({ elements: TWITTER, server: { authorize: () => 'default' } });
    const browser = harness.browser();
    const first = pageResult((await browser.fetch((await twitterConsent(browser)).location.href)).body);
    const { location } = await twitterConsent(browser, 'allow', `?instance=${first.instanceId}`);
    const again = pageResult((await browser.fetch(location.href)).body);
    assert.equal(again.instanceId, first.instanceId);
    assert.equal(instanceWrites(harness).at(-1).method, 'PUT');
    assert.equal(harness.reconnected.length, 1);
  });

  test('an OAuth 1 element with a static (flow 4b) callback URL is a TypeError at creation', () => {
    assert.throws(
      creatingHandler({
        elements: {
          twitter: { auth: 'oauth1', apiKey: 'k', apiSecret: 's', callbackUrl: 'https://app.example/callback.html' },
        },
      }),
      /elements\.twitter\.callbackUrl must be the handler's callback route/,
    );
  });
});

describe('credentials (zohocrm, jira)', () => {
  async function openForm(browser, query = '?lang=de', element = 'zohocrm') {
    const started = await browser.startFlow(element, query);
    assert.equal(started.status, 200, started.body);
    const url = started.json.oauthUrl;
    return { url, state: started.json.state, page: await browser.fetch(url) };
  }

  test('oauth/url answers the form on the host; the form: labelled inputs, its language, strict headers, no script', async () => {
    harness = await startHarness({ elements: ZOHO, server: { appName: 'Acme CRM' } });
    const { url, state, page } = await openForm(harness.browser());
    const parsed = new URL(url);
    assert.equal(parsed.origin + parsed.pathname, `${harness.appUrl}/api/ce/zohocrm/credentials`);
    assert.equal(parsed.searchParams.get('state'), state);
    assert.equal(parsed.searchParams.get('lang'), 'de');
    assert.equal(page.status, 200);
    assert.match(page.body, /<html lang="de">/);
    assert.match(page.body, /<h1>Zoho CRM mit Acme CRM verbinden<\/h1>/);
    assert.match(page.body, /<form method="post">/);
    assert.match(
      page.body,
      /<label for="f0">User name<\/label>\n<input id="f0" name="crm\.zohocrm\.username" type="email"[^>]* required aria-describedby="f0-help">/,
    );
    assert.match(page.body, /<p class="help" id="f0-help">The email address/);
    assert.match(page.body, /<input id="f1" name="crm\.zohocrm\.password" type="password"/);
    assert.doesNotMatch(page.body, /<script/);
    const csp = page.headers.get('content-security-policy');
    assert.match(
      csp,
      /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; form-action 'self'; frame-ancestors 'none'/,
    );
    assert.equal(page.headers.get('cache-control'), 'no-store');
    assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(harness.ceCalls.length, 0, 'nothing asked of Cloud Elements to show a form');
  });

  test('wrong credentials → the form again (user name kept, password never written back); right ones → connected', async () => {
    harness = await startHarness({ elements: ZOHO });
    const browser = harness.browser();
    const { url, state } = await openForm(browser, '?lang=en');
    const wrong = await postForm(browser, url, {
      ...ZOHO_LOGIN,
      'crm.zohocrm.password': WRONG_PASSWORD,
    });
    assert.equal(wrong.status, 422);
    assert.match(wrong.body, /role="alert"[^>]*>Zoho CRM did not accept these details/);
    assert.match(wrong.body, new RegExp(`value="${SANDBOX_USERNAME}"`));
    assert.equal(wrong.body.includes(WRONG_PASSWORD), false);
    assert.equal(harness.sandbox.instances().length, 0);

    const right = await postForm(browser, url, ZOHO_LOGIN);
    assert.equal(right.status, 200);
    const result = pageResult(right.body);
    assert.equal(result.state, state);
    assert.equal(result.instanceId, String(harness.sandbox.instances()[0].id));
    assert.equal(harness.created.length, 1);
    const body = JSON.parse(instanceWrites(harness).at(-1).body);
    assert.equal(body.providerData, undefined);
    assert.equal(body.configuration['crm.zohocrm.username'], SANDBOX_USERNAME);
    assert.equal(
      Object.keys(body.configuration).some((key) => key.startsWith('oauth.')),
      false,
    );
    // Typed values: never in an answer, a URL or a log line.
    const everything = seen(harness);
    for (const value of [SANDBOX_PASSWORD, WRONG_PASSWORD, ...forbiddenValues(harness)])
      assert.equal(everything.includes(value), false);
    assert.equal(harness.logs.join('\n').includes(SANDBOX_USERNAME), false);

    // A replay of the successful post creates nothing more.
    const replay = await postForm(browser, url, ZOHO_LOGIN);
    assert.equal(replay.status, 400);
    assert.equal(harness.sandbox.instances().length, 1);
  });

  test('five refusals end the flow as exchange_failed', async () => {
    harness = await startHarness({ elements: ZOHO });
    const browser = harness.browser();
    const { url, state } = await openForm(browser);
    for (let attempt = 1; attempt < 5; attempt++) {
      assert.equal(
        (await postForm(browser, url, { 'crm.zohocrm.username': 'x@example.com', 'crm.zohocrm.password': 'nope' }))
          .status,
        422,
      );
    }
    const last = await postForm(browser, url, {
      'crm.zohocrm.username': 'x@example.com',
      'crm.zohocrm.password': 'nope',
    });
    assert.deepEqual(pageResult(last.body), {
      state,
      error: 'exchange_failed',
      errorDescription: 'The account could not be connected. Please try again.',
    });
    assert.equal(browser.cookieNames().length, 0);
  });

  test('an expired flow ends as exchange_failed; nothing is sent', async () => {
    const clock = manualClock();
    harness = await startHarness({ elements: ZOHO, server: { now: clock.now } });
    const browser = harness.browser();
    const { url, state } = await openForm(browser);
    clock.advance(11 * 60_000);
    const late = await postForm(browser, url, ZOHO_LOGIN);
    assertFailedUnwritten(late, 'exchange_failed', state);
  });

  test('refused posts: no flow cookie, a foreign Origin, not a form, an oversize body, an undeclared field — nothing sent', async () => {
    harness = await startHarness({ elements: ZOHO });
    const browser = harness.browser();
    const { url } = await openForm(browser);
    assert.equal((await postForm(harness.browser(), url, ZOHO_LOGIN)).status, 400, 'another browser');
    assert.equal((await postForm(browser, url, ZOHO_LOGIN, { Origin: 'https://evil.example' })).status, 403);
    assert.equal((await postForm(browser, url, ZOHO_LOGIN, { Origin: '' })).status, 403);
    // `Origin: null` (the page's no-referrer policy) only with the browser's Sec-Fetch-Site: same-origin.
    assert.equal((await postForm(browser, url, ZOHO_LOGIN, { Origin: 'null' })).status, 403);
    assert.equal(
      (await postForm(browser, url, ZOHO_LOGIN, { Origin: 'null', 'Sec-Fetch-Site': 'cross-site' })).status,
      403,
    );
    assert.equal((await postForm(browser, url, ZOHO_LOGIN, { 'Sec-Fetch-Site': 'cross-site' })).status, 403);
    assert.equal((await postForm(browser, url, ZOHO_LOGIN, { 'Content-Type': 'text/plain' })).status, 415);
    assert.equal((await postForm(browser, url, { ...ZOHO_LOGIN, padding: 'x'.repeat(17 * 1024) })).status, 413);
    assert.equal((await postForm(browser, url, { ...ZOHO_LOGIN, 'oauth.api.key': 'mine' })).status, 400);
    assert.equal(
      (await postForm(browser, url, `${new URLSearchParams(ZOHO_LOGIN)}&crm.zohocrm.password=again`)).status,
      400,
    );
    assert.equal(harness.ceCalls.length, 0, 'nothing reached Cloud Elements');
    // The flow is still usable after all that, also as a browser posts it under the page's no-referrer policy.
    assert.ok(
      pageResult((await postForm(browser, url, ZOHO_LOGIN, { Origin: 'null', 'Sec-Fetch-Site': 'same-origin' })).body)
        .instanceId,
    );
  });

  test('another owner’s post is refused (403) and creates nothing', async () => {
    harness = await startHarness({ elements: ZOHO, sessions: true });
    const browser = harness.browser();
    browser.signIn('alice');
    const { url } = await openForm(browser);
    browser.signIn('mallory');
    assert.equal((await browser.fetch(url)).status, 403);
    const post = await postForm(browser, url, ZOHO_LOGIN);
    assert.equal(post.status, 403);
    assert.equal(instanceWrites(harness).length, 0);
  });

  test('redirect mode: the post answers 303 to the return URL with the result; the CSP lets the form go there', async () => {
    harness = await startHarness({ elements: JIRA });
    const browser = harness.browser();
    const returnUrl = `${harness.appUrl}/integrations`;
    const { url, page } = await openForm(browser, `?mode=redirect&return=${encodeURIComponent(returnUrl)}`, 'jira');
    assert.match(page.headers.get('content-security-policy'), new RegExp(`form-action 'self' ${harness.appUrl};`));
    const post = await postForm(browser, url, {
      username: SANDBOX_USERNAME,
      password: SANDBOX_PASSWORD,
      'base.url': SANDBOX_JIRA_SITE,
    });
    assert.equal(post.status, 303);
    assert.ok(post.headers.get('location').startsWith(`${returnUrl}#ce-connect=`));
    assert.equal(harness.sandbox.instances().length, 1);
  });

  test('a reconnect shows the form and ends in PUT /instances/{id}', async () => {
    // A single-user app: the owner routes (a reconnect) need authorize.
    harness = await startHarness({ elements: ZOHO, server: { authorize: () => 'default' } });
    const browser = harness.browser();
    const first = pageResult((await postForm(browser, (await openForm(browser)).url, ZOHO_LOGIN)).body);
    const { url } = await openForm(browser, `?instance=${first.instanceId}`);
    const again = pageResult((await postForm(browser, url, ZOHO_LOGIN)).body);
    assert.equal(again.instanceId, first.instanceId);
    assert.equal(instanceWrites(harness).at(-1).method, 'PUT');
    assert.equal(harness.reconnected.length, 1);
  });

  test('configuration errors are TypeErrors at creation', () => {
    const make = (element) =>
      creatingHandler({
        origin: 'https://app.example',
        elements: { zohocrm: { auth: 'credentials', fields: ZOHO_FIELDS, ...element } },
      });
    assert.doesNotThrow(make({}));
    assert.throws(make({ fields: [] }), /fields must be an array/);
    assert.throws(make({ fields: [ZOHO_FIELDS[0], ZOHO_FIELDS[0]] }), /used twice/);
    assert.throws(make({ fields: [{ key: 'bad key', label: 'x' }] }), /key must match/);
    assert.throws(make({ fields: [{ key: 'a', label: 'x', type: 'checkbox' }] }), /type must be/);
    assert.throws(make({ apiKey: 'k' }), /apiKey must not be set for a credentials element/);
    assert.throws(make({ callbackUrl: 'https://app.example/cb' }), /callbackUrl must not be set/);
    assert.throws(make({ auth: 'saml' }), /auth must be/);
    assert.throws(
      creatingHandler({ elements: { zohocrm: { auth: 'credentials', fields: ZOHO_FIELDS } } }),
      /origin must be set/,
    );
  });
});
