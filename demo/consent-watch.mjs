// The sandbox served on its own loopback port, as `sandbox.listen()` serves it, but telling the demo when a
// provider's consent page is asked for (the popup arriving at the provider): the page's "consent page N ms after
// the click" line is that time against its click (docs/demo.md, "Prefetch: click → consent page").
import { createServer } from 'node:http';
import { toNodeListener } from '../lib/server/index.js';
import { SANDBOX_API_PATH, sandboxCatalogue } from '../lib/sandbox/index.js';

/** The sandbox's consent pages: `/oauth/{key}{authorizePath}` (OAuth 2) and `/oauth/{key}{oauth1AuthorizePath}`. */
const CONSENT_PATHS = new Set(
  sandboxCatalogue.flatMap(({ key, authorizePath, oauth1AuthorizePath }) =>
    [authorizePath, oauth1AuthorizePath].filter(Boolean).map((path) => `/oauth/${key}${path}`),
  ),
);

/**
 * Serves `sandbox` on `host` (a port the system picks) and calls `onConsentPage(url)` as each consent page request
 * arrives, before the sandbox answers it. Resolves with `{ origin, baseUrl, close() }`, as `sandbox.listen()` does.
 */
export async function listenWatched(sandbox, { host = '127.0.0.1', onConsentPage }) {
  let listener;
  const server = createServer((req, res) => listener(req, res));
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, host, resolve));
  const { address, port } = server.address();
  // A wildcard bind is no address to send a browser to.
  const reachable = address === '0.0.0.0' || address === '::' ? '127.0.0.1' : address;
  const origin = `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
  listener = toNodeListener(
    (request) => {
      const url = new URL(request.url);
      if (request.method === 'GET' && CONSENT_PATHS.has(url.pathname)) onConsentPage(url);
      return sandbox.handler(request);
    },
    { origin },
  );
  return {
    origin,
    baseUrl: `${origin}${SANDBOX_API_PATH}`,
    close: () => new Promise((resolve) => (server.close(() => resolve()), server.closeAllConnections())),
  };
}
