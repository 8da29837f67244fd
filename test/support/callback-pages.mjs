// The callback pages the browser tests open, rendered from one template (test-runner middleware) rather than kept
// as near-identical HTML files: the static flow-4b page, its dist/ twin, the pages a flow-4a server renders (a
// result block), and a misconfigured one. Instrumented pages load test/fixtures/record-sent.js before the callback
// script and test/fixtures/report-seen.js after it, so a test can count what was posted and see the page after.

const escapeJson = (value) =>
  JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');

/**
 * A callback page: `result` (if given) as the JSON data block a flow-4a server embeds, the callback script by URL,
 * `instrumented` to wrap it in the test fixture scripts, `targetOrigin` as the page's meta, `status` for the
 * status line (the misconfigured page has none).
 */
export function callbackPage({
  result,
  script = '/src/callback.ts',
  instrumented = false,
  targetOrigin,
  status = true,
}) {
  const scripts = instrumented ? ['/test/fixtures/record-sent.js', script, '/test/fixtures/report-seen.js'] : [script];
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8" />',
    targetOrigin && `<meta name="ce-connect-target-origin" content="${targetOrigin}" />`,
    '<title>Signing in…</title></head><body>',
    status && '<p id="ce-connect-status">Finishing sign-in…</p>',
    result && `<script type="application/json" id="ce-connect-result">${escapeJson(result)}</script>`,
    ...scripts.map((src) => `<script type="module" src="${src}"></script>`),
    '</body></html>',
  ]
    .filter(Boolean)
    .join('\n');
}

const STATE = 'S'.repeat(43); // test/callback.test.ts's state

/** The fixture pages by path, as test/callback.test.ts and the backends name them. */
const FIXTURES = {
  'callback.html': { instrumented: true },
  'callback-dist.html': { script: '/dist/ce-connect-callback.js' },
  'callback-4a.html': {
    instrumented: true,
    result: { state: STATE, instanceId: '77', name: 'Acme <b>Salesforce</b>' },
  },
  // A name with a line break and past the 256-character bound.
  'callback-4a-longname.html': {
    instrumented: true,
    result: { state: STATE, instanceId: '77', name: `Line1\nLine2 ${'n'.repeat(300)}` },
  },
  // What the server renders for a state it does not know: a result block without a result.
  'callback-4a-empty.html': { instrumented: true, result: {} },
  'callback-wildcard.html': { instrumented: true, targetOrigin: '*', status: false },
};

/** Serves FIXTURES at /test/fixtures/{name}. */
export function callbackFixtures() {
  return async function callbackFixturesMiddleware(ctx, next) {
    const name = /^\/test\/fixtures\/([\w-]+\.html)$/.exec(ctx.path)?.[1];
    const page = name && Object.hasOwn(FIXTURES, name) ? FIXTURES[name] : undefined;
    if (!page) return next();
    ctx.type = 'html';
    ctx.body = callbackPage(page);
  };
}
