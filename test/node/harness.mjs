// Test harness: the sandbox and the connect handler on two real loopback ports, and a cookie-carrying "browser".
import { createServer } from 'node:http';
import { createConnectHandler, toNodeListener } from '../../lib/server/index.js';
import { createSandbox } from '../../lib/sandbox/index.js';

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

/**
 * A browser stand-in: carries the cookies the app sets (honouring Max-Age=0) and records every response
 * (status, headers, body) so tests can grep them for secrets.
 */
export class Browser {
  constructor(harness) {
    this.harness = harness;
    this.cookies = new Map();
  }

  cookieHeader() {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** The raw Set-Cookie values of the last response. */
  lastSetCookies = [];

  async fetch(pathOrUrl, init = {}) {
    const url = new URL(pathOrUrl, this.harness.appUrl);
    const headers = new Headers(init.headers);
    if (url.origin === this.harness.appUrl && this.cookies.size > 0) headers.set('Cookie', this.cookieHeader());
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    const body = await response.text();
    this.lastSetCookies = response.headers.getSetCookie();
    for (const cookie of this.lastSetCookies) {
      const [pair] = cookie.split(';');
      const name = pair.slice(0, pair.indexOf('='));
      if (/;\s*Max-Age=0(;|$)/i.test(cookie)) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(pair.indexOf('=') + 1));
    }
    const record = { url: url.href, status: response.status, headers: response.headers, body };
    this.harness.responses.push(record);
    return record;
  }

  /** `GET {basePath}/{element}/oauth/url` as the widget sends it. */
  async startFlow(element = 'sfdc', query = '') {
    const response = await this.fetch(`/api/ce/${element}/oauth/url${query}`, {
      headers: { Accept: 'application/json', 'X-CE-Connect': '1' },
    });
    return { ...response, json: response.status === 200 ? JSON.parse(response.body) : undefined };
  }

  /** `POST {basePath}/instances` as the widget sends it (flow 4b). */
  async postInstance(body, headers = {}) {
    const response = await this.fetch('/api/ce/instances', {
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

/** Runs oauth/url → consent → decision and returns the URL the provider redirects the popup to. */
export async function authorize(browser, element = 'sfdc', decision = 'allow') {
  const started = await browser.startFlow(element);
  if (started.status !== 200) throw new Error(`oauth/url answered ${started.status}: ${started.body}`);
  const page = await openConsent(started.json.oauthUrl);
  const { location } = await decide(page, decision);
  return { state: started.json.state, oauthUrl: started.json.oauthUrl, location: new URL(location) };
}

/**
 * Starts the sandbox and the connect handler (pointed at the sandbox) on two ports.
 * `callbackPath(element)` chooses each element's callback path (default: the 4a callback route);
 * `ceFetch(input, init)` may replace the transport to Cloud Elements; every outbound call is recorded anyway.
 */
export async function startHarness({ sandbox: sandboxOptions = {}, server: serverOptions = {}, callbackPath, ceFetch } = {}) {
  const harness = { responses: [], ceCalls: [], logs: [], created: [] };
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
  const appServer = await listen((appUrl) => {
    const callback = (element) => `${appUrl}${callbackPath ? callbackPath(element) : `/api/ce/${element}/oauth/callback`}`;
    harness.handler = createConnectHandler({
      cloudElements: {
        baseUrl: `${sandboxServer.url}/elements/api-v2`,
        userSecret: SECRETS.userSecret,
        organizationSecret: SECRETS.organizationSecret,
      },
      elements: {
        sfdc: { apiKey: 'sfdc-key', apiSecret: SECRETS.sfdcApiSecret, callbackUrl: callback('sfdc') },
        hubspot: {
          apiKey: 'hubspot-key',
          apiSecret: SECRETS.hubspotApiSecret,
          callbackUrl: callback('hubspot'),
          scope: 'contacts',
        },
      },
      cookieSecret: SECRETS.cookieSecret,
      onInstanceCreated: (event) => {
        harness.created.push(event);
      },
      log: (line) => harness.logs.push(line),
      fetch: recordingFetch,
      ...serverOptions,
    });
    return toNodeListener(harness.handler);
  });
  harness.appUrl = appServer.url;
  harness.browser = () => new Browser(harness);
  harness.instanceCalls = () => harness.ceCalls.filter((call) => call.url.endsWith('/instances'));
  harness.close = async () => {
    await Promise.all([appServer.close(), sandboxServer.close()]);
  };
  return harness;
}

/** Every value that must never appear in a response body or a log line, including the tokens issued so far. */
export function forbiddenValues(harness) {
  return [...Object.values(SECRETS), ...harness.sandbox.instances().map((instance) => instance.token)];
}
