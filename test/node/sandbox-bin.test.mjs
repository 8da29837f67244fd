// The ce-connect-sandbox command: prints where it listens, serves the sandbox, stops cleanly on a signal.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, request as httpRequest } from 'node:http';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, test } from 'node:test';

const BIN = fileURLToPath(new URL('../../lib/sandbox/bin.js', import.meta.url));

let child;
afterEach(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
});

/** What the running command has written to stderr so far. */
let stderr = '';

/** Starts the command and resolves with the lines it printed once it reports the default secrets. */
async function start(args) {
  child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => (stderr += chunk));
  let output = '';
  child.stdout.setEncoding('utf8');
  for await (const chunk of child.stdout) {
    output += chunk;
    if (/Credentials elements accept:.*\n/.test(output)) break;
  }
  return output.trim().split('\n');
}

/** A request through node:http, which (unlike fetch) really sends the Host header it is given. */
function send(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode, headers: res.headers, body: text, sentHost: req.getHeader('host') }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Starts a POST whose headers the server has read (it answered 100 Continue) but whose body never comes:
 * a request in flight. Resolves once it is in flight, with `ended`: a promise of how it ended.
 */
async function requestInFlight(url) {
  const req = httpRequest(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Content-Length': '100', Expect: '100-continue' },
  });
  const ended = new Promise((resolve) => {
    req.on('response', (res) => resolve({ answered: res.statusCode }));
    req.on('error', (error) => resolve({ failed: error.code }));
  });
  req.flushHeaders();
  await once(req, 'continue');
  return { ended };
}

for (const signal of ['SIGTERM', 'SIGINT']) {
  // The timeout only guards against a hang; nothing below depends on how fast the machine is.
  test(
    `serves on loopback with the given options, ignores the Host header, and on ${signal} cuts open requests and exits 0`,
    { timeout: 60_000 },
    async () => {
      const lines = await start(['--port', '0', '--coop', '--latency', '0', '--app-name', 'Demo App']);
      const origin = /^ce-connect sandbox listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(lines[0])?.[1];
      assert.ok(origin, lines[0]);
      assert.equal(lines[1], `Cloud Elements base URL: ${origin}/elements/api-v2`);
      assert.equal(lines[2], 'User secret: sandbox-user-secret');
      assert.equal(lines[3], 'Organization secret: sandbox-organization-secret');
      assert.equal(
        lines[4],
        'Credentials elements accept: demo@example.com / sandbox-password (Jira site https://acme.atlassian.net)',
      );

      const response = await send(`${origin}/elements/api-v2/elements/sfdc/oauth/url`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Host: 'evil.example', 'X-Forwarded-Host': 'evil.example' },
        body: JSON.stringify({ apiKey: 'k', apiSecret: 's', callbackUrl: 'http://127.0.0.1:1/cb' }),
      });
      assert.equal(response.status, 200, response.body);
      assert.equal(response.sentHost, 'evil.example', 'the forged Host header was really sent');
      const { oauthUrl } = JSON.parse(response.body);
      assert.equal(new URL(oauthUrl).origin, origin, 'the consent URL uses the bound address, not the Host header');
      const page = await fetch(oauthUrl);
      assert.equal(page.headers.get('cross-origin-opener-policy'), 'same-origin');
      assert.match(await page.text(), /Demo App/);

      const inFlight = await requestInFlight(`${origin}/elements/api-v2/elements/sfdc/oauth/url`);
      child.kill(signal);
      const [code, signalCode] = await once(child, 'exit');
      assert.deepEqual(
        { code, signalCode },
        { code: 0, signalCode: null },
        'a clean exit of its own, not death by the signal',
      );
      assert.deepEqual(await inFlight.ended, { failed: 'ECONNRESET' }, 'the open request was cut, not waited for');
    },
  );
}

/** Runs the command to its exit; resolves with the exit code and everything it wrote. */
async function run(args) {
  child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const [code] = await once(child, 'exit');
  return { code, output };
}

test('a port in use → one line naming it, exit code 1 (the server comes from sandbox.listen())', async () => {
  const blocker = createServer();
  await new Promise((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const { port } = blocker.address();
  try {
    const { code, output } = await run(['--port', String(port)]);
    assert.equal(code, 1, output);
    assert.equal(
      output,
      `ce-connect-sandbox: cannot listen on 127.0.0.1:${port}: listen EADDRINUSE: address already in use 127.0.0.1:${port}\n`,
    );
  } finally {
    await new Promise((resolve) => blocker.close(resolve));
  }
});

test('bad arguments → usage and exit code 2', async () => {
  const { code, output } = await run(['--port', 'abc']);
  assert.equal(code, 2);
  assert.match(output, /Usage: ce-connect-sandbox/);
});

// Hardening 9: a bad --public-url used to crash on listen with a stack trace (exit 1).
for (const url of ['not a url', 'ftp://sandbox.test/', '/relative']) {
  test(`--public-url ${JSON.stringify(url)} → a usage error (exit 2, no stack trace)`, async () => {
    const { code, output } = await run(['--port', '0', '--public-url', url]);
    assert.equal(code, 2, output);
    assert.match(output, /--public-url must be an absolute http\(s\) URL/);
    assert.match(output, /Usage: ce-connect-sandbox/);
    assert.doesNotMatch(output, /\n\s+at /, 'no stack trace');
  });
}

// Hardening 9: setTimeout fires a delay above 2^31-1 ms after 1 ms, so a huge --latency used to mean none at all.
test('--latency above 2147483647 ms → a usage error, not a silent "no delay"', async () => {
  for (const latency of ['2147483648', '1e12']) {
    const { code, output } = await run(['--port', '0', '--latency', latency]);
    assert.equal(code, 2, `--latency ${latency}: ${output}`);
    assert.match(output, /--latency must be a number of milliseconds from 0 to 2147483647/);
  }
});

test('bound to every interface, it warns and hands out a loopback URL; --public-url overrides it', async () => {
  let lines = await start(['--host', '0.0.0.0', '--port', '0']);
  const base = /Cloud Elements base URL: (\S+)/.exec(lines.join('\n'))?.[1];
  assert.match(base, /^http:\/\/127\.0\.0\.1:\d+\/elements\/api-v2$/);
  const answer = await fetch(
    `${base}/elements/sfdc/oauth/url?apiKey=k&apiSecret=s&callbackUrl=${encodeURIComponent('http://127.0.0.1:1/cb')}`,
  );
  assert.match((await answer.json()).oauthUrl, /^http:\/\/127\.0\.0\.1:\d+\/oauth\/sfdc\//);
  // Stopped before stderr is read: 'close' comes after every byte of both pipes (their data may come in any order).
  child.kill('SIGTERM');
  await once(child, 'close');
  // Hardening 9: the bind reaches other machines, and the printed URL does not say so by itself.
  assert.match(
    stderr,
    /^Warning: listening on 0\.0\.0\.0, reachable from other machines, with well-known secrets\. The URLs below use 127\.0\.0\.1; pass --public-url/,
  );
  lines = await start(['--host', '0.0.0.0', '--port', '0', '--public-url', 'http://sandbox.test:9100/ignored']);
  assert.match(lines.join('\n'), /Cloud Elements base URL: http:\/\/sandbox\.test:9100\/elements\/api-v2/);
  child.kill('SIGTERM');
  await once(child, 'close');
  assert.equal(stderr, 'Warning: listening on 0.0.0.0, reachable from other machines, with well-known secrets.\n');
});

test('bound to loopback, it prints no warning', async () => {
  await start(['--port', '0']);
  child.kill('SIGTERM');
  await once(child, 'close');
  assert.equal(stderr, '');
});
