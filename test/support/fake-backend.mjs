// The host backend of docs/protocol.md §4, served as test-runner middleware, faithful where it matters (state per
// flow, single use, the X-CE-Connect guard) and hostile on request. Each test picks its scenario through
// the button's api-base: `/api/t/{uid}/{flags}` with comma-separated flags:
//   provider: allow (default) | deny | perr | hold | coop | spoof | spoofpage | realm (a realmId beside the code)
//             | xbig xmany xbadname xrepeat (extra callback parameters beyond the bounds)   — see provider.mjs
//   flow:     4a (the backend's callback route creates the instance) | default 4b (static callback page)
//   exchange: xfail (POST /instances, or the 4a exchange, fails); xany (any code is accepted); xdrop
//             (connection dropped); xredirect; xhtml (201 with HTML); xbadid (an id with spaces)
//   gates:    gate-url gate-consent gate-instances gate-callback — that step waits until the test releases it
//             (POST /api/gate/{uid}/{step}; see gates.mjs)
//   bundles:  dist (callback pages load dist/ce-connect-callback.js instead of src/callback.ts)
//   lasting connections: GET instances/{id} answers connected, or istale (needs-reconnect), imissing (404
//             unknown-instance), inoroute (a plain 404, as a backend without the route), i500; DELETE answers
//             200, or dfail (502 {message}); sitebad: oauth/url refuses the site (400 {message, field: "site"}).
//             A flow started with ?instance=ID is a reconnect: it completes with that same id.
//   redirect mode (?mode=redirect&return=URL): the return URL must be on the page's origin (else 400 {field:
//             "return"}); retbad refuses every one. The flow-4a callback then answers 303 to it with #ce-connect=.
//   oauth/url answers: b500 bhtml bredirect belement barray bhuge bdeep b401 bjs bhttp bsecret buser bshort bmismatch bnostate bhang
// GET /api/stats/{uid} tells a test what the backend saw (request counts, the last state, the held steps).
import { randomBytes } from 'node:crypto';
import { callbackPage } from './callback-pages.mjs';

const PROVIDER_MODES = [
  'allow',
  'deny',
  'perr',
  'hold',
  'coop',
  'spoof',
  'spoofpage',
  'realm',
  'xbig',
  'xmany',
  'xbadname',
  'xrepeat',
];

async function readBody(req, limit = 16384) {
  let size = 0;
  const chunks = [];
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw new Error('too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The middleware; `provider` is the running provider stand-in, `gates` the test's gates (shared with it),
 * `stats` the per-test records (shared with the real backend, see stats.mjs).
 */
export function fakeBackend(provider, { gates, stats }, { callbackScript = '/src/callback.ts' } = {}) {
  const flows = new Map(); // state → { element, uid, used }
  let nextId = 1000;
  const statsFor = (uid) => stats.for(uid);

  return async function fakeBackendMiddleware(ctx, next) {
    const statsMatch = /^\/api\/stats\/([\w-]+)$/.exec(ctx.path);
    const gateMatch = /^\/api\/gate\/([\w-]+)\/(\w+)$/.exec(ctx.path);
    if (gateMatch && ctx.method === 'POST') {
      gates.release(gateMatch[1], gateMatch[2]);
      ctx.status = 204;
      return;
    }
    if (ctx.path.startsWith('/test/fixtures/strict/')) {
      // The strictest host page the contract promises to work on (docs/protocol.md §3, docs/security.md E-2).
      ctx.set(
        'Content-Security-Policy',
        "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'; require-trusted-types-for 'script'; trusted-types lit-html",
      );
      return next();
    }
    if (statsMatch) {
      ctx.body = { ...statsFor(statsMatch[1]), waiting: gates.waiting(statsMatch[1]), providerOrigin: provider.origin };
      return;
    }
    const match = /^\/api\/t\/([\w-]+)\/([\w,-]*)\/(.+)$/.exec(ctx.path);
    if (!match) return next();
    const [, uid, flagList, route] = match;
    const flags = new Set(flagList.split(',').filter(Boolean));
    const mode = PROVIDER_MODES.find((m) => flags.has(m)) ?? 'allow';
    const base = `/api/t/${uid}/${flagList}`;
    const json = (status, body) => {
      ctx.status = status;
      ctx.set('Cache-Control', 'no-store');
      ctx.type = 'application/json';
      ctx.body = JSON.stringify(body);
    };
    const stat = statsFor(uid);

    const urlMatch = /^([^/]+)\/oauth\/url$/.exec(route);
    if (urlMatch && ctx.method === 'GET') {
      stat.oauthUrl += 1;
      stat.name = ctx.query.name ?? null;
      stat.instanceParam = ctx.query.instance ?? null;
      stat.site = ctx.query.site ?? null;
      if (flags.has('gate-url')) await gates.pass(uid, 'url');
      if (ctx.get('X-CE-Connect') !== '1') return json(403, { message: 'Missing X-CE-Connect header' });
      const element = decodeURIComponent(urlMatch[1]);
      const state = randomBytes(32).toString('base64url');
      flows.set(state, { element, uid, used: false });
      stat.state = state;
      if (flags.has('sitebad'))
        return json(400, { message: 'Enter your Zendesk subdomain, such as acme.', field: 'site' });
      flows.get(state).instance = ctx.query.instance;
      if (ctx.query.mode !== undefined) {
        stat.mode = ctx.query.mode;
        stat.returnUrl = ctx.query.return ?? null;
        const returnOrigin = URL.canParse(ctx.query.return) ? new URL(ctx.query.return).origin : null;
        if (
          flags.has('retbad') ||
          ctx.query.mode !== 'redirect' ||
          returnOrigin !== ctx.origin ||
          ctx.query.return.includes('#')
        ) {
          return json(400, { message: 'This page may not receive sign-in results.', field: 'return' });
        }
        flows.get(state).returnUrl = ctx.query.return;
      }
      const staticPage = flags.has('dist') ? 'callback-dist.html' : 'callback.html';
      const redirect = flags.has('4a')
        ? `${ctx.origin}${base}/${element}/oauth/callback`
        : `${ctx.origin}/test/fixtures/${staticPage}`;
      const authorize = new URL('/authorize', provider.origin);
      authorize.search = new URLSearchParams({
        response_type: 'code',
        client_id: 'test-app',
        redirect_uri: redirect,
        state,
        mode,
        ...(flags.has('gate-consent') && { gate: uid }),
      }).toString();
      let oauthUrl = authorize.href;
      let answerState = state;
      if (flags.has('b500'))
        return json(500, { message: '<img src=x onerror="window.__pwned=1">Cloud Elements is down' });
      if (flags.has('bhtml')) {
        ctx.type = 'text/html';
        ctx.body = '<html><body>Please log in</body></html>';
        return;
      }
      if (flags.has('bredirect')) return ctx.redirect('/login');
      if (flags.has('bhang')) {
        await new Promise((resolve) => ctx.req.once('close', resolve));
        ctx.status = 204;
        return;
      }
      if (flags.has('barray')) return json(200, { oauthUrl: [oauthUrl], element, state });
      if (flags.has('bhuge')) return json(200, { oauthUrl, element, state, padding: 'x'.repeat(70 * 1024) });
      if (flags.has('bdeep')) {
        ctx.type = 'application/json';
        ctx.body = `${'['.repeat(60000)}${']'.repeat(60000)}`;
        return;
      }
      if (flags.has('b401')) return json(401, { message: 'Please sign in again.' });
      if (flags.has('belement')) return json(200, { oauthUrl, element: 'hubspot', state });
      if (flags.has('bjs')) oauthUrl = 'javascript:window.__pwned=1';
      if (flags.has('bhttp')) oauthUrl = 'http://login.example.com/authorize';
      if (flags.has('bsecret')) oauthUrl = `${oauthUrl}&client_secret=sentinel-secret`;
      if (flags.has('buser')) oauthUrl = oauthUrl.replace('http://', 'http://user:pw@');
      if (flags.has('bshort')) answerState = 'sfdc';
      if (flags.has('bmismatch')) answerState = randomBytes(32).toString('base64url');
      if (flags.has('bnostate')) return json(200, { oauthUrl, element });
      return json(200, { oauthUrl, element, state: answerState });
    }

    const callbackMatch = /^([^/]+)\/oauth\/callback$/.exec(route);
    if (callbackMatch && ctx.method === 'GET') {
      stat.callback += 1;
      if (flags.has('gate-callback')) await gates.pass(uid, 'callback');
      const state = ctx.query.state;
      const flow = typeof state === 'string' ? flows.get(state) : undefined;
      let result = {};
      if (flow && !flow.used && flow.element === callbackMatch[1]) {
        flow.used = true;
        if (ctx.query.error)
          result = {
            state,
            error: String(ctx.query.error),
            errorDescription: String(ctx.query.error_description ?? ''),
          };
        else if (flags.has('xfail') || provider.codes.get(ctx.query.code) !== state)
          result = { state, error: 'exchange_failed', errorDescription: 'The connection could not be completed.' };
        else result = { state, instanceId: flow.instance ?? String(nextId++), name: `${flow.element} (4a)` };
        if (flow.returnUrl) {
          // Redirect mode: back to the page that left, with the result in the fragment (docs/protocol.md).
          ctx.status = 303;
          ctx.set('Cache-Control', 'no-store');
          ctx.set(
            'Location',
            `${flow.returnUrl}#ce-connect=${Buffer.from(JSON.stringify(result)).toString('base64url')}`,
          );
          return;
        }
      }
      ctx.type = 'text/html';
      ctx.set('Cache-Control', 'no-store');
      ctx.set(
        'Content-Security-Policy',
        "default-src 'none'; script-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      );
      ctx.set('Referrer-Policy', 'no-referrer');
      ctx.body = callbackPage({ result, script: flags.has('dist') ? '/dist/ce-connect-callback.js' : callbackScript });
      return;
    }

    if (route === 'instances' && ctx.method === 'POST') {
      stat.instances += 1;
      if (flags.has('gate-instances')) await gates.pass(uid, 'instances');
      if (ctx.get('X-CE-Connect') !== '1' || !ctx.is('application/json')) return json(403, { message: 'Forbidden' });
      let body;
      try {
        body = JSON.parse(await readBody(ctx.req));
      } catch {
        return json(400, { message: 'Bad JSON' });
      }
      stat.instanceBody = body;
      const flow = flows.get(body?.state);
      if (!flow || flow.used) return json(409, { message: 'Unknown or used state' });
      flow.used = true;
      if (flags.has('xfail')) return json(502, { message: 'Cloud Elements refused to create the instance' });
      if (flags.has('xdrop')) {
        ctx.req.socket.destroy();
        return;
      }
      if (flags.has('xredirect')) return ctx.redirect('/login');
      if (flags.has('xhtml')) {
        ctx.status = 201;
        ctx.type = 'text/html';
        ctx.body = '<p>created</p>';
        return;
      }
      if (flags.has('xbadid')) return json(201, { id: 'not an id', element: { key: flow.element } });
      if (
        body?.element?.key !== flow.element ||
        (!flags.has('xany') && provider.codes.get(body?.providerData?.code) !== body.state)
      ) {
        return json(400, { message: 'The code does not belong to this flow' });
      }
      if (flow.instance)
        return json(200, {
          id: flow.instance,
          name: body.name || `${flow.element} (4b)`,
          element: { key: flow.element },
        });
      return json(201, {
        id: String(nextId++),
        name: body.name || `${flow.element} (4b)`,
        element: { key: flow.element },
      });
    }

    const instanceMatch = /^instances\/([^/]+)$/.exec(route);
    if (instanceMatch && ctx.method === 'GET') {
      stat.checks = (stat.checks ?? 0) + 1;
      if (ctx.get('X-CE-Connect') !== '1') return json(403, { message: 'Missing X-CE-Connect header' });
      const id = decodeURIComponent(instanceMatch[1]);
      if (flags.has('imissing')) return json(404, { message: 'No such connection', code: 'unknown-instance' });
      if (flags.has('inoroute')) return json(404, { message: 'Not found' });
      if (flags.has('i500')) return json(500, { message: 'Down' });
      return json(200, {
        id,
        name: 'Known',
        element: { key: 'sfdc' },
        status: flags.has('istale') ? 'needs-reconnect' : 'connected',
      });
    }
    if (instanceMatch && ctx.method === 'DELETE') {
      stat.deletes = (stat.deletes ?? 0) + 1;
      if (ctx.get('X-CE-Connect') !== '1') return json(403, { message: 'Missing X-CE-Connect header' });
      if (flags.has('dfail')) return json(502, { message: 'Cloud Elements could not delete the instance' });
      return json(200, { id: decodeURIComponent(instanceMatch[1]) });
    }
    return json(404, { message: 'Not found' });
  };
}
