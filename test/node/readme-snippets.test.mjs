// The README's Node snippets run as written: each code block marked `<!-- run: test/node/readme-snippets… -->`
// is taken verbatim from README.md, followed by a few lines that use what it set up and stop it, and run as an
// ES module in a child process (imports of `ce-connect/…` resolve to this package's lib/ by its own name).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The code block that follows `<!-- run: test/node/readme-snippets.test.mjs ({name}) -->` in the README. */
function snippet(name) {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const marker = `<!-- run: test/node/readme-snippets.test.mjs (${name}) -->`;
  const at = readme.indexOf(marker);
  assert.ok(at >= 0, `README.md has the marker ${marker}`);
  const block = /```js\n([\s\S]*?)\n```/.exec(readme.slice(at));
  assert.ok(block, `a js code block follows ${marker}`);
  return block[1];
}

function runModule(code) {
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(result.status, 0, `the snippet failed:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

test('README, ce-connect/sandbox: the snippet serves the sandbox on loopback, with the secrets it names', () => {
  // Uses only what every form of the snippet defines (`sandbox`, `origin`); the child process's exit stops the server.
  const code = `${snippet('sandbox')}
    // — added by the test: use what the snippet set up, as its comments say.
    const api = \`\${origin}/elements/api-v2\`;
    const authorization = 'User sandbox-user-secret, Organization sandbox-organization-secret';
    const listed = await fetch(\`\${api}/instances\`, { headers: { authorization } });
    const oauth = await fetch(\`\${api}/elements/sfdc/oauth/url\`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ apiKey: 'key', apiSecret: 'secret', callbackUrl: 'http://127.0.0.1:3000/api/ce/sfdc/oauth/callback' }),
    });
    const { oauthUrl } = await oauth.json();
    console.log(JSON.stringify({ origin, listed: listed.status, instances: sandbox.instances().length, oauth: oauth.status, consentOrigin: new URL(oauthUrl).origin === origin }));
    process.exit(0);
  `;
  const result = JSON.parse(runModule(code).trim().split('\n').pop());
  assert.match(result.origin, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.deepEqual(
    { ...result, origin: undefined },
    { origin: undefined, listed: 200, instances: 0, oauth: 200, consentOrigin: true },
  );
});
