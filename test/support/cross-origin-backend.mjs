// A backend on another origin than the test page (#21 item 3): `createConnectHandler` on its own loopback port
// — another port of 127.0.0.1, so another origin of the same site, as app.example.com → api.example.com — in
// front of its own sandbox. Two handlers: `/api/cross` lists the test page's origin in allowedOrigins,
// `/api/cross-refused` lists only another origin. Flow 4b: the static callback page is on the test page's origin.
// The test page learns the backend's origin from `GET /api/cross-origin-backend` on the dev server.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { createConnectHandler, toNodeListener } from '../../lib/server/index.js';
import { createSandbox } from '../../lib/sandbox/index.js';

const SECRETS = { userSecret: 'cross-user-secret-0001', organizationSecret: 'cross-org-secret-0001' };

async function listen(listener) {
  const server = createServer(listener);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

/** Starts the sandbox and the backend; returns Koa middleware that tells the page where the backend is. */
export async function startCrossOriginBackend({ pageOrigin }) {
  const sandbox = createSandbox({ ...SECRETS, appName: 'ce-connect tests', autoDecision: 'allow' });
  const cloud = await listen((req, res) => cloudListener(req, res));
  const cloudListener = toNodeListener(sandbox.handler, { origin: cloud.origin });
  const handler = (basePath, allowedOrigins) =>
    createConnectHandler({
      basePath,
      cloudElements: { baseUrl: `${cloud.origin}/elements/api-v2`, ...SECRETS },
      elements: {
        sfdc: {
          apiKey: 'sfdc-test-key',
          apiSecret: 'sfdc-test-secret-0001',
          callbackUrl: `${pageOrigin}/test/fixtures/callback.html`,
        },
      },
      cookieSecret: randomBytes(32).toString('base64url'),
      allowedOrigins,
      authorize: () => 'default',
      onInstanceCreated: () => {},
    });
  const allowed = handler('/api/cross', [pageOrigin]);
  const refused = handler('/api/cross-refused', ['http://127.0.0.1:1']);
  let backendListener;
  const backend = await listen((req, res) => backendListener(req, res));
  backendListener = toNodeListener(async (request) => (await allowed(request)) ?? refused(request), {
    origin: backend.origin,
  });
  const servers = [cloud.server, backend.server];
  return {
    origin: backend.origin,
    /** `GET /api/cross-origin-backend` → `{"origin"}` for the page. */
    async middleware(ctx, next) {
      if (ctx.path !== '/api/cross-origin-backend') return next();
      ctx.type = 'application/json';
      ctx.body = JSON.stringify({ origin: backend.origin });
    },
    close: () =>
      Promise.all(
        servers.map((server) => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve)))),
      ),
  };
}
