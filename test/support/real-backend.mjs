// The real host backend under the browser suite: `createConnectHandler` (ce-connect/server, from lib/) in
// front of the offline sandbox (ce-connect/sandbox), which plays Cloud Elements and the provider on its own
// loopback port. A button picks a scenario and gates through its api-base:
//   /api/real/{scenario}/{uid}/{gates}     gates: `-`, or comma-separated gate-url, gate-consent, gate-instances,
//                                          gate-callback (see gates.mjs)
// scenario: 4a | 4b (allow) · 4a-deny | 4b-deny · 4a-xfail | 4b-xfail (Cloud Elements refuses POST /instances)
//           · burl (Cloud Elements fails the oauth/url call) · 4a-elsewhere (a callback URL on http://localhost:{port},
//           another origin than the test page's 127.0.0.1 — a flow that can never complete). 4a: the handler's callback route; 4b: the static
//           callback page test/fixtures/callback.html (rendered by callback-pages.mjs).
// The uid and gates are stripped before the handler sees the request, so the handler runs with its real
// basePath (/api/real/{scenario}), cookie path and callback URL. Stats (GET /api/stats/{uid}) get what the
// handler and the sandbox did for that uid: oauth/url and POST /instances requests, instances created (with
// their tokens, so a test can look for them where they must never be), the provider's redirect back, and the
// providerData the handler sent to Cloud Elements (QuickBooks Online `quickbooks` sends `realmId` back).
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { createConnectHandler, toNodeListener } from '../../lib/server/index.js';
import { createSandbox, sandboxCatalogue, sandboxHostConfig } from '../../lib/sandbox/index.js';

const SECRETS = { userSecret: 'real-user-secret-0001', organizationSecret: 'real-org-secret-0001' };
const UID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** Sandbox options of each kind of Cloud Elements the scenarios need. */
const CLOUDS = {
  allow: { autoDecision: 'allow' },
  deny: { autoDecision: 'deny' },
  xfail: { autoDecision: 'allow', fail: { instances: 400 } },
  burl: { autoDecision: 'allow', fail: { oauthUrl: 500 } },
};

/** scenario → [cloud, flow]. */
const SCENARIOS = {
  '4a': ['allow', '4a'],
  '4b': ['allow', '4b'],
  '4a-deny': ['deny', '4a'],
  '4b-deny': ['deny', '4b'],
  '4a-xfail': ['xfail', '4a'],
  '4b-xfail': ['xfail', '4b'],
  burl: ['burl', '4a'],
  '4a-elsewhere': ['allow', '4a-elsewhere'],
};

/** A credentials element as the sandbox's catalogue describes it (its fields, by configuration key). */
function credentialsElement(key, displayName) {
  const { fields } = sandboxHostConfig(sandboxCatalogue.find((element) => element.key === key));
  return { auth: 'credentials', displayName, fields };
}

async function listen(listener) {
  const server = createServer(listener);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

/** A copy of `request` at another path; the body (a stream) moves over. */
function withPath(request, path, extraHeaders = {}) {
  const url = new URL(request.url);
  const target = new URL(path + url.search, url.origin);
  const headers = new Headers(request.headers);
  for (const [name, value] of Object.entries(extraHeaders)) headers.set(name, value);
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
  return new Request(target, {
    method: request.method,
    headers,
    ...(hasBody && { body: request.body, duplex: 'half' }),
  });
}

/**
 * Starts the sandboxes and builds the handlers for a dev server on `pageOrigin`; returns Koa middleware.
 * `stats.for(uid)` is the shared record the fake backend's stats route serves.
 */
export async function startRealBackend({ pageOrigin, gates, stats }) {
  const flows = new Map(); // state → { uid, gates }
  const codes = new Map(); // the provider's code → uid, so the handler's POST /instances can be told apart
  const servers = [];
  const clouds = {};
  for (const [name, options] of Object.entries(CLOUDS)) {
    const sandbox = createSandbox({ ...SECRETS, appName: 'ce-connect tests', ...options });
    let listener;
    // The provider's consent step: held by `gate-consent`; its redirect back is recorded (a replay test needs it).
    const provider = async (request) => {
      const state = new URL(request.url).searchParams.get('state');
      const flow = state ? flows.get(state) : undefined;
      if (flow && new URL(request.url).pathname.endsWith('/authorize') && flow.gates.has('gate-consent'))
        await gates.pass(flow.uid, 'consent');
      const response = await sandbox.handler(request);
      const location = response?.headers.get('location');
      if (flow && location) {
        stats.for(flow.uid).providerRedirect = location;
        const code = new URL(location).searchParams.get('code');
        if (code) codes.set(code, flow.uid);
      }
      return response;
    };
    const { server, origin } = await listen((req, res) => listener(req, res));
    listener = toNodeListener(provider, { origin });
    servers.push(server);
    clouds[name] = { sandbox, origin };
  }

  const handlers = new Map();
  const linkInstances = []; // instances created through connect links: { link, owner, id }
  for (const [scenario, [cloud, flow]] of Object.entries(SCENARIOS)) {
    const basePath = `/api/real/${scenario}`;
    const callbackOrigin = flow === '4a-elsewhere' ? pageOrigin.replace('127.0.0.1', 'localhost') : pageOrigin;
    const callbackUrl = (element) =>
      flow === '4b'
        ? `${pageOrigin}/test/fixtures/callback.html`
        : `${callbackOrigin}${basePath}/${element}/oauth/callback`;
    const handler = createConnectHandler({
      basePath,
      cloudElements: { baseUrl: `${clouds[cloud].origin}/elements/api-v2`, ...SECRETS },
      elements: {
        sfdc: { apiKey: 'sfdc-test-key', apiSecret: 'sfdc-test-secret-0001', callbackUrl: callbackUrl('sfdc') },
        hubspot: {
          apiKey: 'hubspot-test-key',
          apiSecret: 'hubspot-test-secret-0001',
          callbackUrl: callbackUrl('hubspot'),
          configuration: { 'authentication.type': 'oauth2' },
        },
        // docs/elements.md's row: OAuth 2 only when asked for; its callback carries realmId.
        quickbooks: {
          apiKey: 'quickbooks-test-key',
          apiSecret: 'quickbooks-test-secret-0001',
          callbackUrl: callbackUrl('quickbooks'),
          oauthUrlParameters: { 'authentication.type': 'oauth2' },
          scope: 'com.intuit.quickbooks.accounting',
          configuration: { 'authentication.type': 'oauth2' },
        },
        // The other kinds (docs/kinds.md): OAuth 1 completes only through the 4a route; credentials need no callback.
        ...(flow !== '4b' && {
          twitter: {
            auth: 'oauth1',
            apiKey: 'twitter-test-key',
            apiSecret: 'twitter-test-secret-0001',
            callbackUrl: callbackUrl('twitter'),
          },
        }),
        zohocrm: credentialsElement('zohocrm', 'Zoho CRM'),
        jira: credentialsElement('jira', 'Jira'),
      },
      // What the handler sends to Cloud Elements' POST /instances: its providerData, recorded for the flow's uid.
      fetch: async (input, init = {}) => {
        if (init.method === 'POST' && String(input).endsWith('/instances') && typeof init.body === 'string') {
          const { providerData } = JSON.parse(init.body);
          const uid = codes.get(providerData?.code);
          if (uid) stats.for(uid).providerData = providerData;
        }
        return fetch(input, init);
      },
      origin: pageOrigin,
      appName: 'ce-connect tests',
      cookieSecret: randomBytes(32).toString('base64url'),
      // One user: the owner routes (status, reconnect, disconnect) need authorize (#19 item 1).
      authorize: () => 'default',
      onInstanceCreated: ({ instance, token, request, owner, link }) => {
        if (link) linkInstances.push({ link: link.id, owner, id: String(instance.id), element: 'sfdc' });
        const uid = request.headers.get('x-test-uid');
        if (uid) stats.for(uid).created.push({ id: String(instance.id), name: instance.name, token });
      },
      onInstanceReconnected: ({ instance, token, request }) => {
        const uid = request.headers.get('x-test-uid');
        if (uid) stats.for(uid).reconnected.push({ id: String(instance.id), token });
      },
      onInstanceDeleted: ({ instance, request }) => {
        const uid = request.headers.get('x-test-uid');
        if (uid) stats.for(uid).deleted.push(String(instance.id));
      },
    });
    handlers.set(scenario, { basePath, handler });
  }

  /** Routes /api/real/{scenario}/{uid}/{gates}/… and the 4a callback /api/real/{scenario}/{element}/oauth/callback. */
  async function route(request) {
    const path = new URL(request.url).pathname;
    const withUid = new RegExp(`^/api/real/([\\w-]+)/(${UID})/([\\w,-]+)(/.*)$`).exec(path);
    const scenario = withUid?.[1] ?? /^\/api\/real\/([\w-]+)\//.exec(path)?.[1];
    const entry = handlers.get(scenario);
    if (!entry) return undefined;
    if (!withUid) {
      // The provider sent the popup back to the 4a callback route: the state tells whose flow it is (OAuth 1: the
      // request token, recorded when the start route sent the browser on); so do the kinds' own pages.
      const query = new URL(request.url).searchParams;
      const key = query.get('oauth_token') ?? query.get('denied') ?? query.get('state');
      const flow = key ? flows.get(key) : undefined;
      if (flow?.gates.has('gate-callback') && path.endsWith('/oauth/callback')) await gates.pass(flow.uid, 'callback');
      const response = await entry.handler(flow ? withPath(request, path, { 'x-test-uid': flow.uid }) : request);
      const token = path.endsWith('/oauth1/start') && response?.headers.get('location');
      if (flow && token) flows.set(new URL(token).searchParams.get('oauth_token'), flow);
      return response;
    }
    const [, , uid, gateList, rest] = withUid;
    const flowGates = new Set(gateList.split(','));
    const stat = stats.for(uid);
    const forwarded = withPath(request, `${entry.basePath}${rest}`, { 'x-test-uid': uid });
    if (rest.endsWith('/oauth/url')) {
      stat.oauthUrl += 1;
      if (flowGates.has('gate-url')) await gates.pass(uid, 'url');
      const response = await entry.handler(forwarded);
      if (response?.status === 200) {
        const { state } = await response.clone().json();
        stat.state = state;
        flows.set(state, { uid, gates: flowGates });
      }
      return response;
    }
    if (rest === '/instances') {
      stat.instances += 1;
      if (flowGates.has('gate-instances')) await gates.pass(uid, 'instances');
    }
    return entry.handler(forwarded);
  }

  /**
   * Test controls: POST /api/real-control/invalidate/{id} makes Cloud Elements report the instance invalid;
   * POST /api/real-control/link/{scenario}/{owner} makes a connect link for sfdc; GET /api/real-control/link-instances/{id}
   * lists the instances created through that link.
   */
  async function control(request) {
    const path = new URL(request.url).pathname;
    const link = /^\/api\/real-control\/link\/([\w-]+)\/([\w-]+)$/.exec(path);
    if (link && request.method === 'POST' && handlers.has(link[1])) {
      const made = await handlers
        .get(link[1])
        .handler.createConnectLink({ owner: link[2], element: 'sfdc', inviter: 'Test Inc.' });
      return Response.json(made);
    }
    const listed = /^\/api\/real-control\/link-instances\/([\w-]+)$/.exec(path);
    if (listed) return Response.json(linkInstances.filter((entry) => entry.link === listed[1]));
    const match = /^\/api\/real-control\/invalidate\/(\d+)$/.exec(new URL(request.url).pathname);
    if (!match || request.method !== 'POST') return new Response('{"message":"Not found"}', { status: 404 });
    const found = Object.values(clouds).some(({ sandbox }) => sandbox.invalidate(match[1]));
    return new Response(null, { status: found ? 204 : 404 });
  }

  const listener = toNodeListener(
    (request) => (new URL(request.url).pathname.startsWith('/api/real-control/') ? control(request) : route(request)),
    { origin: pageOrigin },
  );
  return {
    /** Koa middleware for the test runner's dev server. */
    async middleware(ctx, next) {
      if (!ctx.path.startsWith('/api/real/') && !ctx.path.startsWith('/api/real-control/')) return next();
      ctx.respond = false;
      await new Promise((resolve) => {
        ctx.res.once('close', resolve);
        listener(ctx.req, ctx.res, () => {
          ctx.res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"message":"Not found"}');
        });
      });
    },
    close: () =>
      Promise.all(
        servers.map((server) => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve)))),
      ),
  };
}
