// A stand-in OAuth provider on its own loopback port, so the popup really leaves the host origin (as with
// Salesforce or HubSpot) and origin checks and Cross-Origin-Opener-Policy are exercised for real.
// GET /authorize?state&redirect_uri&mode[&gate=uid] — `mode` picks how the "user" answers (see the cases
// below); with `gate`, the answer (the redirect back) waits until the test releases the `consent` step.
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';

const page = (body, head = '') =>
  `<!doctype html><html><head><meta charset="utf-8"><title>Test provider</title>${head}</head><body>${body}</body></html>`;

/** Starts the provider; `codes` maps each issued code to the state it was issued for. */
export async function startProvider(gates) {
  const codes = new Map();
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://provider');
    const state = url.searchParams.get('state') ?? '';
    const redirect = url.searchParams.get('redirect_uri') ?? '';
    const mode = url.searchParams.get('mode') ?? 'allow';
    const gate = url.searchParams.get('gate');
    const back = (params) => {
      const target = new URL(redirect);
      for (const [key, value] of Object.entries(params)) target.searchParams.set(key, value);
      return target.href;
    };
    const code = `code-${randomBytes(12).toString('base64url')}`;
    const send = (status, headers, body = '') => {
      res.writeHead(status, { 'Cache-Control': 'no-store', ...headers });
      res.end(body);
    };
    if (url.pathname === '/frame') {
      // A cross-origin frame that posts a perfectly shaped result with the real state: origin must stop it.
      const message = JSON.stringify({ type: 'ce-connect:callback', v: 1, state, instanceId: 'attacker' });
      // …then a marker, so the test knows the forged message was dispatched before it.
      return send(
        200,
        { 'Content-Type': 'text/html' },
        page(`<script>parent.postMessage(${message}, '*'); parent.postMessage('marker:frame', '*');</script>`),
      );
    }
    if (url.pathname === '/continue') {
      // The COOP page's way back, held while the test looks at the severed handle.
      if (gate) await gates.pass(gate, 'consent');
      return send(302, { Location: url.searchParams.get('to') ?? '/' });
    }
    if (url.pathname !== '/authorize' || !redirect) return send(404, { 'Content-Type': 'text/plain' }, 'not found');
    if (gate && mode !== 'coop' && mode !== 'hold') await gates.pass(gate, 'consent');
    switch (mode) {
      case 'allow':
        codes.set(code, state);
        return send(302, { Location: back({ code, state }) });
      case 'realm':
      case 'xbig':
      case 'xmany':
      case 'xbadname':
      case 'xrepeat': {
        // Callback parameters beside the code (QuickBooks' realmId), within the bounds or beyond them.
        codes.set(code, state);
        const target = new URL(back({ code, state }));
        const extras = {
          realm: [['realmId', '9130357']],
          xbig: [['realmId', 'x'.repeat(2049)]],
          xmany: Array.from({ length: 17 }, (_, i) => [`p${i}`, 'v']),
          xbadname: [['realm id', '1']],
          xrepeat: [
            ['realmId', '1'],
            ['realmId', '2'],
          ],
        }[mode];
        for (const [name, value] of extras) target.searchParams.append(name, value);
        return send(302, { Location: target.href });
      }
      case 'deny':
        return send(302, {
          Location: back({ error: 'access_denied', error_description: 'The user denied access.', state }),
        });
      case 'perr':
        return send(302, {
          Location: back({
            error: 'server_error',
            error_description: '<img src=x onerror="window.__pwned=1">Provider down',
            state,
          }),
        });
      case 'hold':
        // The user is still reading the consent page.
        return send(200, { 'Content-Type': 'text/html' }, page('<p>Consent page (the user has not decided yet)</p>'));
      case 'coop': {
        // A provider page that sends COOP: the opener loses its handle, then the user consents (/continue,
        // which the `consent` gate holds until the test has seen the handle read closed).
        codes.set(code, state);
        const next = new URLSearchParams({ to: back({ code, state }), ...(gate && { gate }) });
        return send(
          200,
          { 'Content-Type': 'text/html', 'Cross-Origin-Opener-Policy': 'same-origin' },
          page(
            '<p>Consent page with COOP</p>',
            `<meta http-equiv="refresh" content="0;url=/continue?${next.toString().replace(/&/g, '&amp;')}">`,
          ),
        );
      }
      case 'spoof': {
        // The provider's page itself tries to answer for the callback: wrong origin, must be ignored.
        codes.set(code, state);
        const message = JSON.stringify({ type: 'ce-connect:callback', v: 1, state, instanceId: 'attacker' });
        return send(
          200,
          { 'Content-Type': 'text/html' },
          page(
            `<script>opener.postMessage(${message}, '*'); setTimeout(() => location.replace(${JSON.stringify(back({ code, state }))}), 50);</script>`,
          ),
        );
      }
      case 'spoofpage': {
        // Sends the popup to a host-origin page that posts forged messages before the real one.
        codes.set(code, state);
        const target = new URL('/test/fixtures/spoof.html', redirect);
        target.searchParams.set('state', state);
        target.searchParams.set('code', code);
        return send(302, { Location: target.href });
      }
      default:
        return send(400, { 'Content-Type': 'text/plain' }, 'unknown mode');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    codes,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}
