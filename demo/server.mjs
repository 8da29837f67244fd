// The demo host app: a plain node:http server that mounts ce-connect/server at /api/ce, serves the demo
// page and the dist bundles, and (unless real Cloud Elements credentials are given) runs the offline
// sandbox on a second loopback port — another origin, like a real provider's consent page.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ceServer from '../lib/server/index.js';
import {
  DEFAULT_ORGANIZATION_SECRET,
  DEFAULT_USER_SECRET,
  createSandbox,
  sandboxCatalogue,
} from '../lib/sandbox/index.js';
import { demoElements, handlerFeatures, publicConfig, sandboxTestValues } from './demo-elements.mjs';
import { listenWatched } from './consent-watch.mjs';
import { createEventsScene } from './events-scene.mjs';
import { createFlowRecorder } from './flow-recorder.mjs';
import { createLinksScene } from './links-scene.mjs';
import { createLiveFeed } from './live-feed.mjs';
import { DEFAULT_USER, DEMO_USERS, createSessions } from './sessions.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

// The demo page is served with the strictest policy the widget promises to work under (docs/protocol.md §3; docs/security.md E-2).
const PAGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types lit-html";

/** What each scenario of the switcher does to the sandbox. */
export const SCENARIOS = {
  normal: { label: 'Happy path', sandbox: {} },
  deny: { label: 'The user denies', sandbox: { autoDecision: 'deny' } },
  slow: { label: 'A slow backend (3 s)', sandbox: { latencyMs: 3000 } },
  error: { label: 'A backend error', sandbox: { fail: { oauthUrl: 503 } } },
  coop: { label: 'Provider page with COOP', sandbox: { coop: true } },
  blocked: { label: 'A blocked popup', sandbox: {} },
};
const NEUTRAL = { autoDecision: undefined, latencyMs: 0, fail: {}, coop: false };

/** The sandbox's back-off for a failed webhook delivery: seconds, so the demo shows retries while one watches. */
export const DEMO_RETRY_DELAYS_MS = [2000, 4000, 8000];

/** The host app's name, as the sandbox's consent pages and the handler's own pages (links, credentials) show it. */
const APP_NAME = 'Acme Analytics (demo)';

/**
 * Zendesk signs in on the customer's own subdomain: Cloud Elements wants the bare subdomain (`acme`, not
 * `https://acme.zendesk.com`) both as `siteAddress` and as `zendesk.subdomain`. Anything else is refused, and
 * `refusal` is what the page is told instead of the handler's generic message, so the user knows what to type.
 */
export const ZENDESK_SITE = {
  siteAddress: (input) => (/^[a-z0-9][a-z0-9-]{0,62}$/.test(input) ? input : null),
  siteConfigurationKey: 'zendesk.subdomain',
};
export const ZENDESK_SITE_REFUSAL =
  'Type only your Zendesk subdomain: acme for acme.zendesk.com (lower-case letters, digits and hyphens, no https:// and no .zendesk.com).';

/** The handler's answer to a refused Zendesk site, with the demo's message that says what is valid. */
async function explainSiteRefusal(path, response) {
  if (response.status !== 400 || !/\/zendesk\/oauth\/url$/.test(path)) return response;
  const body = await response
    .clone()
    .json()
    .catch(() => undefined);
  if (body?.field !== 'site') return response;
  const headers = new Headers(response.headers);
  headers.delete('Content-Length');
  return new Response(JSON.stringify({ ...body, message: ZENDESK_SITE_REFUSAL }), { status: 400, headers });
}

async function listen(server, port, host) {
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return server.address().port;
}

/** Reads real Cloud Elements settings from the environment; `undefined` means: use the sandbox. */
function liveSettings(env) {
  if (!env.CE_USER_SECRET) return undefined;
  const missing = ['CE_ORGANIZATION_SECRET', 'CE_ELEMENTS'].filter((name) => !env[name]);
  if (missing.length) throw new Error(`With CE_USER_SECRET set, also set ${missing.join(' and ')} (see docs/demo.md).`);
  let elements;
  try {
    elements = JSON.parse(env.CE_ELEMENTS);
  } catch {
    throw new Error('CE_ELEMENTS must be JSON such as {"sfdc":{"apiKey":"…","apiSecret":"…"}}.');
  }
  return {
    baseUrl: env.CE_BASE_URL || 'https://api.cloud-elements.com/elements/api-v2',
    userSecret: env.CE_USER_SECRET,
    organizationSecret: env.CE_ORGANIZATION_SECRET,
    elements,
  };
}

/**
 * Starts the demo. `port` 0 lets the OS pick (tests). `flow: '4b'` sends providers back to the static
 * demo/callback.html instead of the server's callback route. Returns the URL and a `close()`.
 */
export async function startDemo({
  port = 8000,
  host = '127.0.0.1',
  env = process.env,
  flow = '4a',
  log = console.log,
} = {}) {
  const live = liveSettings(env);
  const sandbox = live ? undefined : createSandbox({ appName: APP_NAME, retryDelaysMs: DEMO_RETRY_DELAYS_MS });
  let sandboxServer;
  let cloudElements;
  if (sandbox) {
    // The consent pages' origin: a second loopback port, so the popup really leaves the host origin. Each consent
    // page asked for is timed for the page's click → consent line (demo/consent-watch.mjs).
    sandboxServer = await listenWatched(sandbox, { host, onConsentPage: (url) => recorder.consentPage(url) });
    cloudElements = {
      baseUrl: sandboxServer.baseUrl,
      userSecret: DEFAULT_USER_SECRET,
      organizationSecret: DEFAULT_ORGANIZATION_SECRET,
    };
  } else {
    cloudElements = { baseUrl: live.baseUrl, userSecret: live.userSecret, organizationSecret: live.organizationSecret };
  }

  // The host page's one canonical origin: callback URLs are built from it, never from a Host header.
  let origin;
  let handler;
  let sessions;
  // What a host app persists: the Element Token of each instance, server-side only, with its owner. The list of
  // instances is not kept here: the page asks the handler (GET /api/ce/instances), which asks Cloud Elements.
  const tokens = new Map(); // instance id → { element, owner, token }
  let scenario = 'normal';
  // What the sequence picture shows: each flow's steps, times and checks, seen from outside the handler.
  // The kind of sign-in of each configured element (oauth2, oauth1, credentials): the picture's steps follow it.
  const kinds = new Map();
  const recorder = createFlowRecorder({ basePath: '/api/ce', kindOf: (key) => kinds.get(key) ?? 'oauth2' });
  // What the signed-in user's pages hear besides the picture: events, deliveries, instances made through a link.
  const feed = createLiveFeed();
  const elementOf = (key) => sandboxCatalogue.find((e) => e.key === key);
  const ownerOf = (instanceId) => tokens.get(String(instanceId))?.owner ?? null;
  const eventsScene =
    sandbox && createEventsScene({ sandbox, feed, ownerOf, elementOf, retryDelaysMs: DEMO_RETRY_DELAYS_MS });
  const linksScene = createLinksScene({ handler: () => handler, feed });
  let features = {};
  let catalogue = [];

  const json = (res, status, body) => {
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    res.end(JSON.stringify(body));
  };

  /** A small JSON request body; `undefined` when it is too large or not JSON. */
  async function readJson(req) {
    let body = '';
    for await (const chunk of req) {
      body += chunk;
      if (body.length > 1024) return undefined;
    }
    try {
      return JSON.parse(body || '{}');
    } catch {
      return undefined;
    }
  }

  async function demoApi(req, res, path) {
    if (req.method !== 'GET' && req.headers['x-ce-connect'] !== '1') return json(res, 403, { message: 'Forbidden' });
    const user = sessions.userOf(req.headers.cookie);
    if (path === '/demo-api/config' && req.method === 'GET') {
      const users = Object.entries(DEMO_USERS).map(([id, label]) => ({ id, label }));
      return json(res, 200, {
        mode: live ? 'live' : 'sandbox',
        flow,
        scenario,
        scenarios: Object.fromEntries(Object.entries(SCENARIOS).map(([k, v]) => [k, v.label])),
        catalogue,
        user,
        users,
        features: {
          events: Boolean(eventsScene && features.events),
          links: features.links,
          hostOn: eventsScene?.hostOn ?? true,
        },
      });
    }
    if (path === '/demo-api/feed' && req.method === 'GET')
      return json(res, 200, { items: user ? feed.recent(user) : [] });
    const change = /^\/demo-api\/instances\/(\d{1,15})\/change$/.exec(path);
    if (change && req.method === 'POST') {
      // A sandbox control: a change at the provider of one of the signed-in user's own instances, which Cloud
      // Elements (the sandbox) then delivers to the demo's events route as a signed webhook.
      const held = tokens.get(change[1]);
      if (!eventsScene || !user || held?.owner !== user) return json(res, 404, { message: 'No such instance' });
      try {
        return json(res, 202, { instanceId: change[1], ...(await eventsScene.change(change[1], held.element)) });
      } catch {
        return json(res, 409, {
          message: 'This instance was connected without events: disconnect and connect it again.',
        });
      }
    }
    if (path === '/demo-api/host' && req.method === 'POST') {
      const on = (await readJson(req))?.on;
      if (!eventsScene || typeof on !== 'boolean') return json(res, 400, { message: 'Expected {"on": true|false}' });
      eventsScene.setHost(on);
      return json(res, 200, { on });
    }
    if (path === '/demo-api/links' && req.method === 'POST') {
      const body = await readJson(req);
      const entry = catalogue.find((e) => e.key === body?.element);
      if (!features.links || !user || !entry) return json(res, 400, { message: 'Pick an element of the gallery' });
      try {
        return json(res, 201, await linksScene.create(user, entry.key, body.inviter));
      } catch (error) {
        return json(res, 400, { message: error instanceof TypeError ? error.message : 'The link could not be made' });
      }
    }
    const revoke = /^\/demo-api\/links\/([\w-]{1,100})\/revoke$/.exec(path);
    if (revoke && req.method === 'POST') {
      if (!user || !(await linksScene.revoke(user, revoke[1]).catch(() => false)))
        return json(res, 404, { message: 'No such link' });
      return json(res, 200, { id: revoke[1], revoked: true });
    }
    if (path === '/demo-api/flow' && req.method === 'GET') {
      const session = sessions.sessionOf(req.headers.cookie);
      return json(res, 200, { flow: session ? recorder.latest(session) : null });
    }
    if (path === '/demo-api/user' && req.method === 'POST') {
      // Signing in as another demo user: a new session cookie, as a host app's own login would set.
      const id = (await readJson(req))?.user;
      if (typeof id !== 'string' || !Object.hasOwn(DEMO_USERS, id)) return json(res, 400, { message: 'Unknown user' });
      res.setHeader('Set-Cookie', sessions.signIn(id));
      return json(res, 200, { user: id });
    }
    const expire = /^\/demo-api\/instances\/(\d{1,15})\/expire$/.exec(path);
    if (expire && req.method === 'POST') {
      // A sandbox control, not a Cloud Elements call: the instance's tokens stop refreshing, so Cloud Elements
      // reports it `valid: false` and the handler `needs-reconnect`. Only the signed-in user's own instances.
      if (!sandbox || !user || tokens.get(expire[1])?.owner !== user || !sandbox.invalidate(expire[1])) {
        return json(res, 404, { message: 'No such instance' });
      }
      return json(res, 200, { id: expire[1] });
    }
    if (path === '/demo-api/scenario' && req.method === 'POST') {
      const body = await readJson(req);
      if (body === undefined) return json(res, 400, { message: 'Expected {"scenario": "…"}' });
      const name = body?.scenario;
      if (!Object.hasOwn(SCENARIOS, name)) return json(res, 400, { message: 'Unknown scenario' });
      scenario = name;
      sandbox?.configure({ ...NEUTRAL, ...SCENARIOS[name].sandbox });
      return json(res, 200, { scenario });
    }
    return json(res, 404, { message: 'Not found' });
  }

  async function serveFile(res, file, extraHeaders = {}) {
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
        'Cache-Control': 'no-cache',
        'X-Content-Type-Options': 'nosniff',
        ...extraHeaders,
      });
      res.end(body);
    } catch {
      json(res, 404, { message: 'Not found' });
    }
  }

  /** Starts a Server-Sent Events answer; what it returns sends one `event` with `data` as JSON. */
  function eventStream(res) {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    return (event, data) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** `GET /demo/live-events`: the signed-in user's feed items as they happen (Server-Sent Events). */
  function liveEvents(req, res) {
    const user = sessions.userOf(req.headers.cookie);
    if (!user) return json(res, 401, { message: 'Not signed in' });
    const send = eventStream(res);
    res.write(': open\n\n');
    req.on(
      'close',
      feed.subscribe(user, (item) => send('feed', item)),
    );
  }

  /** `GET /demo/flow-events`: this browser's newest flow now, then each time it changes (Server-Sent Events). */
  function flowEvents(req, res) {
    const session = sessions.sessionOf(req.headers.cookie);
    if (!session) return json(res, 401, { message: 'Not signed in' });
    const send = eventStream(res);
    send('flow', recorder.latest(session));
    req.on(
      'close',
      recorder.subscribe(session, (flow) => send('flow', flow)),
    );
  }

  const apiListener = ceServer.toNodeListener(async (request) => {
    const path = new URL(request.url).pathname;
    const cookie = request.headers.get('cookie');
    const seen = { session: sessions.sessionOf(cookie), owner: sessions.userOf(cookie) };
    const response = await recorder.observe(request, seen, () =>
      eventsScene ? eventsScene.guard(request, () => handler(request)) : handler(request),
    );
    return explainSiteRefusal(path, response);
  });
  const server = createServer(async (req, res) => {
    try {
      const canonicalHost = new URL(origin).host;
      if (req.headers.host !== canonicalHost) {
        // One origin for cookies and postMessage: localhost and 127.0.0.1 are different origins to a browser.
        res.writeHead(308, { Location: `${origin}${req.url}` });
        return res.end();
      }
      const path = new URL(req.url, origin).pathname;
      if (path.startsWith('/api/ce/')) return apiListener(req, res);
      if (path.startsWith('/demo-api/')) return await demoApi(req, res, path);
      if (path === '/demo/flow-events' && req.method === 'GET') return flowEvents(req, res);
      if (path === '/demo/live-events' && req.method === 'GET') return liveEvents(req, res);
      if (path === '/' || path === '/index.html') {
        // A first visit is signed in as the first demo user; the page's switcher signs in as the other.
        const signIn = sessions.userOf(req.headers.cookie) ? {} : { 'Set-Cookie': sessions.signIn(DEFAULT_USER) };
        return serveFile(res, join(root, 'demo/index.html'), {
          'Content-Security-Policy': PAGE_CSP,
          'Referrer-Policy': 'no-referrer',
          ...signIn,
        });
      }
      if (path === '/callback.html') {
        recorder.callbackPage(new URL(req.url, origin));
        return serveFile(res, join(root, 'demo/callback.html'), {
          'Content-Security-Policy':
            "default-src 'none'; script-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
          'Referrer-Policy': 'no-referrer',
          'Cache-Control': 'no-store',
        });
      }
      const file = normalize(join(root, path));
      const allowed = ['demo/', 'dist/'].some((dir) => file.startsWith(join(root, dir)));
      if (!allowed || path.includes('..')) return json(res, 404, { message: 'Not found' });
      return serveFile(res, file);
    } catch {
      json(res, 500, { message: 'Internal error' });
    }
  });
  const boundPort = await listen(server, port, host);
  // The address the server is bound to, so no other local server can answer for it (localhost may mean ::1).
  origin = new URL(env.CE_PUBLIC_URL || `http://${host}:${boundPort}`).origin;
  sessions = createSessions({ secure: origin.startsWith('https:') });

  // Events need the sandbox (it makes the changes) and a handler that serves them (ce-connect/server ≥ 3).
  const events =
    eventsScene && 'verifyEventSignature' in ceServer
      ? { signingKeys: [randomBytes(32).toString('base64url')], onEvent: (event) => eventsScene.onEvent(event) }
      : undefined;
  features = handlerFeatures(origin, events);
  const extra = (key) => (key === 'zendesk' ? ZENDESK_SITE : {});
  const configured = live
    ? Object.entries(live.elements).map(([key, entry]) => ({
        element: {
          key,
          name: sandboxCatalogue.find((e) => e.key === key)?.name ?? key,
          hub: '',
          brandColour: '#334155',
        },
        config: {
          ...entry,
          ...extra(key),
          callbackUrl: flow === '4b' ? `${origin}/callback.html` : `${origin}/api/ce/${key}/oauth/callback`,
        },
      }))
    : demoElements({
        origin,
        flow,
        features,
        secret: randomBytes(6).toString('hex'),
        extra,
        handlerOptions: { origin, ...(events && { events }) },
      });
  for (const { element, config } of configured) kinds.set(element.key, config.auth ?? 'oauth2');
  catalogue = configured.map(({ element: { key, name, hub, brandColour }, config }) => ({
    key,
    name,
    hub,
    brandColour,
    auth: config.auth ?? 'oauth2',
    // The values the sandbox accepts, shown on a credentials card so a prospect can type them.
    ...(config.fields && !live && { testValues: sandboxTestValues(config.fields) }),
    config: publicConfig(config),
  }));
  handler = ceServer.createConnectHandler({
    basePath: '/api/ce',
    // The origin the handler is served on: its own pages (a credentials form, a connect link) live there.
    origin,
    appName: APP_NAME,
    cloudElements,
    elements: Object.fromEntries(configured.map(({ element, config }) => [element.key, config])),
    ...(events && { events }),
    cookieSecret: env.CE_COOKIE_SECRET || randomBytes(32).toString('base64url'),
    allowedOrigins: [origin],
    // The host's own user for a request, from its own session: each user sees and changes only their instances.
    authorize: sessions.authorize,
    onInstanceCreated: ({ element, instance, token, owner, link }) => {
      // A real host stores this in its database, tied to the signed-in user and tenant.
      tokens.set(String(instance.id), { element, owner, token });
      // Made through a connect link, elsewhere: the owner's pages learn of it and list it.
      if (link) linksScene.used(link, owner, element, instance.id);
    },
    onInstanceReconnected: ({ element, instance, token, owner }) => {
      // Same id, possibly a new token: store it again.
      tokens.set(String(instance.id), { element, owner, token });
    },
    onInstanceDeleted: ({ instance }) => {
      tokens.delete(String(instance?.id));
    },
    fetch: recorder.fetch((input, init) => globalThis.fetch(input, init), cloudElements.baseUrl),
    log: recorder.log((line) => log(`[ce-connect] ${line}`)),
  });
  // Connect links need a handler that makes them (ce-connect/server ≥ 3).
  features.links = typeof handler.createConnectLink === 'function';

  return {
    url: `${origin}/`,
    sandboxUrl: sandboxServer?.baseUrl,
    sandbox,
    tokens,
    async close() {
      server.closeAllConnections();
      await Promise.all([new Promise((resolve) => server.close(resolve)), sandboxServer?.close()]);
    },
  };
}
