// Test harness: the sandbox and the connect handler on two real loopback ports (or the handler in process, for
// https app origins), and a "browser" with a real cookie jar.
import { createServer } from 'node:http';
import { CookieJar } from 'tough-cookie';
import { createConnectHandler, toNodeListener } from '../../../lib/server/index.js';
import { createSandbox } from '../../../lib/sandbox/index.js';

/** Unique sentinel values: any of them in a response or a log line is a leak. */
export const SECRETS = Object.freeze({
  userSecret: 'SENTINELuser7f3a9c',
  organizationSecret: 'SENTINELorg91bc44',
  sfdcApiSecret: 'SENTINELsfdcsecret5d2e',
  hubspotApiSecret: 'SENTINELhubspotsecret44aa',
  cookieSecret: 'SENTINELcookie-0123456789abcdef0123456789',
});

/** Listens on 127.0.0.1:0; the listener is built once the origin is known. */
export async function listen(makeListener) {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  server.on('request', makeListener(url));
  const close = () =>
    new Promise((resolve) => {
      server.close(resolve);
      server.closeAllConnections();
    });
  return { url, server, close };
}

/** Extracts the JSON data block of a callback page (`undefined` when there is none). */
export function pageResult(html) {
  const match = /<script type="application\/json" id="ce-connect-result">(.*?)<\/script>/s.exec(html);
  return match ? JSON.parse(match[1]) : undefined;
}

/** The test app's session cookie. */
const SESSION_COOKIE = 'ce-test-session';

/**
 * The `authorize` of a test app whose session is the `ce-test-session` cookie (see `Browser.signIn`): the owner is
 * the user signed in, `null` without one.
 */
export function sessionOwner(request) {
  for (const part of (request.headers.get('cookie') ?? '').split(';')) {
    const [name, value = ''] = part.trim().split('=');
    if (name === SESSION_COOKIE && value !== '') return decodeURIComponent(value);
  }
  return null;
}

/**
 * A browser stand-in: a real cookie jar (tough-cookie, RFC 6265bis: Domain, Path, Secure, `__Host-`/`__Secure-`
 * prefixes, Max-Age/Expires, SameSite) and a record of every response (status, headers, body) so tests can
 * grep them for secrets. A Set-Cookie a browser would refuse (a `__Host-` cookie without Secure or with a
 * Path other than `/`, Secure over http, a foreign Domain) throws, so a cookie regression fails the test
 * that meets it.
 *
 * SameSite: a GET without the widget's `X-CE-Connect` header is treated as a top-level navigation arriving
 * from another site (the provider redirecting the popup to the callback route), so only Lax and None
 * cookies go with it; the widget's own requests are same-site and carry every cookie.
 */
export class Browser {
  constructor(harness) {
    this.harness = harness;
    /** The jar: tests may copy it (`jar.cloneSync()`), read it (`getCookiesSync`) or empty it. */
    this.jar = newCookieJar();
  }

  /** The raw Set-Cookie values of the last response. */
  lastSetCookies = [];

  /** Names of the live cookies the browser holds for the app's host, whatever their path. */
  cookieNames() {
    return this.jar.getCookiesSync(this.harness.appUrl, { allPaths: true }).map((cookie) => cookie.key);
  }

  async fetch(pathOrUrl, init = {}) {
    const url = new URL(pathOrUrl, this.harness.appUrl);
    const headers = new Headers(init.headers);
    const navigation = (init.method ?? 'GET').toUpperCase() === 'GET' && !headers.has('X-CE-Connect');
    const cookie = this.jar.getCookieStringSync(url.href, { sameSiteContext: navigation ? 'lax' : 'strict' });
    if (cookie) headers.set('Cookie', cookie);
    const response = await this.harness.send(url, { ...init, headers, redirect: 'manual' });
    const body = await response.text();
    this.lastSetCookies = response.headers.getSetCookie();
    for (const setCookie of this.lastSetCookies) {
      try {
        this.jar.setCookieSync(setCookie, url.href);
      } catch (error) {
        const attributes = setCookie.replace(/=[^;]*/, '=…');
        throw new Error(
          `a browser would refuse Set-Cookie "${attributes}" from ${url.origin}${url.pathname}: ${error.message}`,
          {
            cause: error,
          },
        );
      }
    }
    const record = { url: url.href, status: response.status, headers: response.headers, body };
    this.harness.responses.push(record);
    return record;
  }

  /** `GET {basePath}/{element}/oauth/url` as the widget sends it. */
  async startFlow(element = 'sfdc', query = '') {
    const response = await this.fetch(`${this.harness.basePath}/${element}/oauth/url${query}`, {
      headers: { Accept: 'application/json', 'X-CE-Connect': '1' },
    });
    return { ...response, json: response.status === 200 ? JSON.parse(response.body) : undefined };
  }

  /** Signs this browser in to the test app as `user` (a `ce-test-session` cookie that {@link sessionOwner} reads). */
  signIn(user) {
    this.jar.setCookieSync(
      `${SESSION_COOKIE}=${encodeURIComponent(user)}; Path=/; HttpOnly; SameSite=Lax`,
      this.harness.appUrl,
    );
  }

  /** Ends the test session (the flow cookies stay). */
  signOut() {
    this.jar.setCookieSync(`${SESSION_COOKIE}=; Path=/; Max-Age=0`, this.harness.appUrl);
  }

  /** A JSON route as the widget calls it (`X-CE-Connect: 1`; an Origin on anything but GET); `json` parsed. */
  async api(path, { method = 'GET', headers = {} } = {}) {
    const response = await this.fetch(`${this.harness.basePath}/${path}`, {
      method,
      headers: {
        Accept: 'application/json',
        'X-CE-Connect': '1',
        ...(method !== 'GET' && { Origin: this.harness.appUrl }),
        ...headers,
      },
    });
    return { ...response, json: safeJson(response.body) };
  }

  /** `POST {basePath}/instances` as the widget sends it (flow 4b). */
  async postInstance(body, headers = {}) {
    const response = await this.fetch(`${this.harness.basePath}/instances`, {
      method: 'POST',
      headers: {
        Accept: 'application/json',
        'Content-Type': 'application/json',
        'X-CE-Connect': '1',
        Origin: this.harness.appUrl,
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { ...response, json: safeJson(response.body) };
  }
}

/**
 * A jar that behaves like a current browser: `__Host-`/`__Secure-` rules enforced (refusals throw), no Secure
 * cookie over plain http even on loopback, Domain attributes checked against the public suffix list.
 */
export function newCookieJar() {
  return new CookieJar(undefined, { prefixSecurity: 'strict', allowSecureOnLocal: false, rejectPublicSuffixes: true });
}

function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Opens the consent page the oauthUrl points at and reads its form. */
export async function openConsent(oauthUrl) {
  const response = await fetch(oauthUrl, { redirect: 'manual' });
  const html = await response.text();
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  const consent = /name="consent" value="([^"]+)"/.exec(html)?.[1];
  return { response, html, action: action && new URL(action, oauthUrl).href, consent };
}

/** Posts the consent form as the chosen button would; returns the 303 Location. */
export async function decide(page, decision) {
  const response = await fetch(page.action, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ consent: page.consent, decision }).toString(),
    redirect: 'manual',
  });
  await response.arrayBuffer();
  return { status: response.status, location: response.headers.get('location'), headers: response.headers };
}

/** Opens the consent page at `url` and posts `decision` there, as a user would in one go; what `decide` returns. */
export async function consent(url, decision = 'allow') {
  return decide(await openConsent(url), decision);
}

/** Runs oauth/url → consent → decision and returns the URL the provider redirects the popup to. */
export async function authorize(browser, element = 'sfdc', decision = 'allow') {
  const started = await browser.startFlow(element);
  if (started.status !== 200) throw new Error(`oauth/url answered ${started.status}: ${started.body}`);
  const { location } = await consent(started.json.oauthUrl, decision);
  return { state: started.json.state, oauthUrl: started.json.oauthUrl, location: new URL(location) };
}

/**
 * Starts the sandbox and the connect handler (pointed at the sandbox) on two loopback ports.
 * `callbackPath(element)` chooses each element's callback path (default: the 4a callback route under the
 * base path); `ceFetch(input, init)` may replace the transport to Cloud Elements; every outbound call is
 * recorded anyway. `appOrigin` (e.g. `https://app.test`) runs the handler in process under that origin instead
 * of on a port, so https callback URLs (Secure, `__Host-` cookies) can be exercised without a certificate.
 * `sessions: true` gives the handler {@link sessionOwner} as `authorize` (browsers then `signIn`); `elements` adds
 * elements or settings to the two default ones. `reconnected` and `deleted` record the optional hooks' events.
 */
export async function startHarness({
  sandbox: sandboxOptions = {},
  server: serverOptions = {},
  callbackPath,
  ceFetch,
  appOrigin,
  sessions = false,
  elements = {},
  oauthUrlRequest,
} = {}) {
  const harness = { responses: [], ceCalls: [], logs: [], created: [], reconnected: [], deleted: [] };
  harness.basePath = (serverOptions.basePath ?? '/api/ce').replace(/\/+$/, '');
  harness.sandbox = createSandbox({
    userSecret: SECRETS.userSecret,
    organizationSecret: SECRETS.organizationSecret,
    ...sandboxOptions,
  });
  const sandboxServer = await listen((origin) => toNodeListener(harness.sandbox.handler, { origin }));
  harness.sandboxUrl = sandboxServer.url;
  const recordingFetch = async (input, init = {}) => {
    harness.ceCalls.push({
      url: String(input),
      method: init.method,
      headers: new Headers(init.headers),
      body: typeof init.body === 'string' ? init.body : undefined,
    });
    return (ceFetch ?? fetch)(input, init);
  };
  const createHandler = (appUrl) => {
    const callback = (element) =>
      `${appUrl}${callbackPath ? callbackPath(element) : `${harness.basePath}/${element}/oauth/callback`}`;
    harness.handler = createConnectHandler({
      cloudElements: {
        baseUrl: `${sandboxServer.url}/elements/api-v2`,
        userSecret: SECRETS.userSecret,
        organizationSecret: SECRETS.organizationSecret,
        ...(oauthUrlRequest && { oauthUrlRequest }),
      },
      elements: {
        sfdc: { apiKey: 'sfdc-key', apiSecret: SECRETS.sfdcApiSecret, callbackUrl: callback('sfdc') },
        hubspot: {
          apiKey: 'hubspot-key',
          apiSecret: SECRETS.hubspotApiSecret,
          callbackUrl: callback('hubspot'),
          scope: 'contacts',
          // HubSpot's instance wants it (Cloud Elements' sample app sends it for every element).
          configuration: { 'authentication.type': 'oauth2' },
        },
        ...Object.fromEntries(
          Object.entries(elements).map(([key, entry]) => [key, { callbackUrl: callback(key), ...entry }]),
        ),
      },
      cookieSecret: SECRETS.cookieSecret,
      onInstanceCreated: (event) => {
        harness.created.push(event);
      },
      onInstanceReconnected: (event) => {
        harness.reconnected.push(event);
      },
      onInstanceDeleted: (event) => {
        harness.deleted.push(event);
      },
      ...(sessions && { authorize: sessionOwner }),
      log: (line) => harness.logs.push(line),
      fetch: recordingFetch,
      ...serverOptions,
    });
    return harness.handler;
  };
  let appServer;
  if (appOrigin) {
    harness.appUrl = new URL(appOrigin).origin;
    const handler = createHandler(harness.appUrl);
    harness.send = async (url, init) =>
      (await handler(new Request(url, init))) ?? new Response('{"message":"Not found"}', { status: 404 });
  } else {
    appServer = await listen((appUrl) => toNodeListener(createHandler(appUrl)));
    harness.appUrl = appServer.url;
    harness.send = (url, init) => fetch(url, init);
  }
  harness.browser = () => new Browser(harness);
  harness.instanceCalls = () => harness.ceCalls.filter((call) => call.url.endsWith('/instances'));
  harness.close = async () => {
    await Promise.all([appServer?.close(), sandboxServer.close()]);
  };
  return harness;
}

/**
 * A clock for the `now` options that only moves when a test moves it, so no test waits out a deadline:
 * `clock.now` is the function to inject, `clock.advance(ms)` moves it.
 */
export function manualClock(start = Date.UTC(2030, 0, 2, 3, 4, 5)) {
  let time = start;
  return {
    now: () => time,
    advance(ms) {
      time += ms;
      return time;
    },
  };
}

/** Every value that must never appear in a response body or a log line, including the tokens issued so far. */
export function forbiddenValues(harness) {
  return [...Object.values(SECRETS), ...harness.sandbox.instances().map((instance) => instance.token)];
}

/**
 * The handler against an in-process sandbox that decides consent by itself (no sockets, so the handler's timers can
 * be mocked). `around(request, forward)` may stand between the two (to hold, change or replace an answer); every CE
 * call and log line is recorded. `elements` and `cloudElements` replace or extend the defaults (one sfdc element).
 */
export function inProcess({
  around = (request, forward) => forward(request),
  elements,
  cloudElements = {},
  ...overrides
} = {}) {
  const app = 'https://app.test';
  const sandbox = createSandbox({ userSecret: 'u-secret', organizationSecret: 'o-secret', autoDecision: 'allow' });
  const calls = [];
  const logs = [];
  const handler = createConnectHandler({
    cloudElements: {
      baseUrl: 'https://ce.test/elements/api-v2',
      userSecret: 'u-secret',
      organizationSecret: 'o-secret',
      ...cloudElements,
    },
    elements: elements ?? {
      sfdc: { apiKey: 'k', apiSecret: 'api-secret-value', callbackUrl: `${app}/api/ce/sfdc/oauth/callback` },
    },
    cookieSecret: 'c'.repeat(32),
    onInstanceCreated: () => {},
    log: (line) => logs.push(line),
    fetch: async (input, init) => {
      const request = new Request(input, init);
      calls.push({ method: request.method, url: request.url, body: init.body });
      return around(request, (r) => sandbox.handler(r));
    },
    ...overrides,
  });
  return {
    sandbox,
    calls,
    logs,
    handler,
    /** A JSON route of the handler as the widget calls it. */
    call: (path, init = {}) =>
      handler(
        new Request(`${app}/api/ce/${path}`, {
          ...init,
          headers: { 'X-CE-Connect': '1', Accept: 'application/json', ...init.headers },
        }),
      ),
    /** oauth/url, then the provider's redirect: the callback request a browser would send (with its cookie). */
    async callbackRequest(element = 'sfdc') {
      const started = await handler(
        new Request(`${app}/api/ce/${element}/oauth/url`, { headers: { 'X-CE-Connect': '1' } }),
      );
      const { oauthUrl, state } = await started.json();
      const cookie = started.headers
        .getSetCookie()
        .map((value) => value.split(';')[0])
        .join('; ');
      const consent = await sandbox.handler(new Request(oauthUrl));
      return { state, request: new Request(consent.headers.get('location'), { headers: { Cookie: cookie } }) };
    },
  };
}
