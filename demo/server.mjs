// The demo host app: a plain node:http server that mounts ce-connect/server at /api/ce, serves the demo
// page and the dist bundles, and (unless real Cloud Elements credentials are given) runs the offline
// sandbox on a second loopback port — another origin, like a real provider's consent page.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createConnectHandler, toNodeListener } from '../lib/server/index.js';
import { DEFAULT_ORGANIZATION_SECRET, DEFAULT_USER_SECRET, createSandbox, sandboxCatalogue } from '../lib/sandbox/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.map': 'application/json' };

// The demo page is served with the strictest policy the widget promises to work under (CONTRACT §3).
const PAGE_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types lit-html";

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
  if (missing.length) throw new Error(`With CE_USER_SECRET set, also set ${missing.join(' and ')} (see the README).`);
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
export async function startDemo({ port = 8000, host = '127.0.0.1', env = process.env, flow = '4a', log = console.log } = {}) {
  const live = liveSettings(env);
  const sandbox = live ? undefined : createSandbox({ appName: 'Acme Analytics (demo)' });
  let sandboxServer;
  let cloudElements;
  if (sandbox) {
    let sandboxListener;
    sandboxServer = createServer((req, res) => sandboxListener(req, res));
    const sandboxOrigin = `http://${host}:${await listen(sandboxServer, 0, host)}`;
    // The consent pages' origin: a second loopback port, so the popup really leaves the host origin.
    sandboxListener = toNodeListener(sandbox.handler, { origin: sandboxOrigin });
    cloudElements = { baseUrl: `${sandboxOrigin}/elements/api-v2`, userSecret: DEFAULT_USER_SECRET, organizationSecret: DEFAULT_ORGANIZATION_SECRET };
  } else {
    cloudElements = { baseUrl: live.baseUrl, userSecret: live.userSecret, organizationSecret: live.organizationSecret };
  }

  // The host page's one canonical origin: callback URLs are built from it, never from a Host header.
  let origin;
  let handler;
  const connected = []; // what a host app would persist: { id, element, name, createdAt } — and the token, server-side only
  const tokens = new Map();
  let scenario = 'normal';

  const catalogue = live
    ? Object.keys(live.elements).map((key) => ({ key, name: sandboxCatalogue.find((e) => e.key === key)?.name ?? key, hub: '', brandColour: '#334155' }))
    : sandboxCatalogue.map(({ key, name, hub, brandColour }) => ({ key, name, hub, brandColour }));

  const json = (res, status, body) => {
    res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
    res.end(JSON.stringify(body));
  };

  async function demoApi(req, res, path) {
    if (req.method !== 'GET' && req.headers['x-ce-connect'] !== '1') return json(res, 403, { message: 'Forbidden' });
    if (path === '/demo-api/config' && req.method === 'GET') {
      return json(res, 200, { mode: live ? 'live' : 'sandbox', flow, scenario, scenarios: Object.fromEntries(Object.entries(SCENARIOS).map(([k, v]) => [k, v.label])), catalogue });
    }
    if (path === '/demo-api/instances' && req.method === 'GET') return json(res, 200, connected);
    const instance = /^\/demo-api\/instances\/([\w-]+)$/.exec(path);
    if (instance && req.method === 'DELETE') {
      const index = connected.findIndex((i) => i.id === instance[1]);
      if (index < 0) return json(res, 404, { message: 'No such instance' });
      const [removed] = connected.splice(index, 1);
      tokens.delete(removed.id);
      // Delete it at Cloud Elements (the sandbox here) too, as a host app would.
      await fetch(`${cloudElements.baseUrl}/instances/${encodeURIComponent(removed.id)}`, {
        method: 'DELETE',
        signal: AbortSignal.timeout(10_000),
        headers: { Authorization: `User ${cloudElements.userSecret}, Organization ${cloudElements.organizationSecret}` },
      }).catch(() => undefined);
      return json(res, 200, { id: removed.id });
    }
    if (path === '/demo-api/scenario' && req.method === 'POST') {
      let body = '';
      for await (const chunk of req) {
        body += chunk;
        if (body.length > 1024) return json(res, 413, { message: 'Too large' });
      }
      let name;
      try {
        name = JSON.parse(body || '{}').scenario;
      } catch {
        return json(res, 400, { message: 'Expected {"scenario": "…"}' });
      }
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
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff', ...extraHeaders });
      res.end(body);
    } catch {
      json(res, 404, { message: 'Not found' });
    }
  }

  const apiListener = toNodeListener((request) => handler(request));
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
      if (path === '/' || path === '/index.html') return serveFile(res, join(root, 'demo/index.html'), { 'Content-Security-Policy': PAGE_CSP, 'Referrer-Policy': 'no-referrer' });
      if (path === '/callback.html') return serveFile(res, join(root, 'demo/callback.html'), { 'Content-Security-Policy': "default-src 'none'; script-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'", 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-store' });
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

  const elementConfig = live ? live.elements : Object.fromEntries(catalogue.map(({ key }) => [key, { apiKey: `demo-${key}-key`, apiSecret: `demo-${key}-secret-${randomBytes(6).toString('hex')}` }]));
  handler = createConnectHandler({
    basePath: '/api/ce',
    cloudElements,
    elements: Object.fromEntries(Object.entries(elementConfig).map(([key, entry]) => [key, {
      ...entry,
      callbackUrl: flow === '4b' ? `${origin}/callback.html` : `${origin}/api/ce/${key}/oauth/callback`,
    }])),
    cookieSecret: env.CE_COOKIE_SECRET || randomBytes(32).toString('base64url'),
    allowedOrigins: [origin],
    onInstanceCreated: ({ element, instance, token }) => {
      // A real host stores this in its database, tied to the signed-in user and tenant.
      const id = String(instance.id);
      tokens.set(id, token);
      connected.push({ id, element, name: instance.name ?? '', createdAt: new Date().toISOString() });
    },
    log: (line) => log(`[ce-connect] ${line}`),
  });

  return {
    url: `${origin}/`,
    sandboxUrl: sandboxServer ? cloudElements.baseUrl : undefined,
    sandbox,
    connected,
    async close() {
      for (const s of [server, sandboxServer]) {
        if (!s) continue;
        s.closeAllConnections();
        await new Promise((resolve) => s.close(resolve));
      }
    },
  };
}
