// Hardening 1: the handler decides on the raw request target. URL parsing resolves "..", "%2e%2e" and turns "\"
// into "/", while the host's router (Express) matches the raw target: a path such as /x/../api/ce/… reached the
// handler without passing the middleware mounted on /api/ce. Requests are sent raw (a socket, or node:http with
// a verbatim path), since fetch would normalise them first.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, test } from 'node:test';
import express from 'express';
import { toNodeListener } from '../../lib/server/index.js';
import { decide, listen, openConsent, pageResult, startHarness } from './support/harness.mjs';

let harness;
let app;
afterEach(async () => {
  await Promise.all([harness?.close(), app?.close()]);
  harness = app = undefined;
});

/** Ways to write a path that URL parsing turns into {path} (which must start with /api/ce/). */
function disguises(path) {
  const rest = path.slice('/api/ce/'.length);
  return [
    `/x/../api/ce/${rest}`,
    `/x/%2e%2e/api/ce/${rest}`,
    `/x/%2E%2e/api/ce/${rest}`,
    `/x/.%2e/api/ce/${rest}`,
    `/api/ce/./${rest}`,
    `/api/ce/%2e/${rest}`,
    `/api\\ce\\${rest.replaceAll('/', '\\')}`,
    `/api/ce\\${rest}`,
  ];
}

/** One request written byte for byte on a socket; resolves with the status code and the (maybe chunked) body. */
function rawRequest(origin, target, headers = {}) {
  const { hostname, port } = new URL(origin);
  const lines = [`GET ${target} HTTP/1.1`, `Host: ${hostname}:${port}`, 'Connection: close'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return new Promise((resolve, reject) => {
    // Written, not ended: a half-closed socket may be dropped before an asynchronous answer.
    const socket = connect(Number(port), hostname, () => socket.write(`${lines.join('\r\n')}\r\n\r\n`));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => (text += chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
      resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
  });
}

/** A request through node:http with the path passed verbatim (it is not parsed as a URL). */
function send(origin, path, headers = {}) {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, path, headers });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('plain node:http: a target with dot segments or "\\" is answered 400 and never served', () => {
  test('oauth/url in every disguise → 400 JSON, no Cloud Elements call; the plain path still works', async () => {
    harness = await startHarness();
    for (const target of disguises('/api/ce/sfdc/oauth/url')) {
      const response = await rawRequest(harness.appUrl, target, { 'X-CE-Connect': '1' });
      assert.equal(response.status, 400, target);
      assert.match(response.body, /\{"message":"Bad request"\}/, target);
    }
    assert.equal(harness.ceCalls.length, 0);
    const plain = await rawRequest(harness.appUrl, '/api/ce/sfdc/oauth/url?next=/x/../y', { 'X-CE-Connect': '1' });
    assert.equal(plain.status, 200, 'dot segments in the query are not the path');
    assert.equal(harness.ceCalls.length, 1);
  });

  test('the callback route in disguise exchanges nothing', async () => {
    harness = await startHarness();
    const browser = harness.browser();
    const started = await browser.startFlow('sfdc');
    const { location } = await decide(await openConsent(started.json.oauthUrl), 'allow');
    const cookie = browser.jar.getCookieStringSync(location);
    const callback = new URL(location);
    for (const target of disguises(callback.pathname)) {
      const response = await rawRequest(harness.appUrl, target + callback.search, { Cookie: cookie });
      assert.equal(response.status, 400, target);
    }
    assert.equal(harness.instanceCalls().length, 0);
    assert.equal(harness.created.length, 0);
  });
});

describe("Express: what the host's middleware did not see, the handler does not serve", () => {
  /** The host: a session check on /api/ce (as a login check or rate limiter would be), then ce-connect. */
  async function startHost() {
    harness = await startHarness();
    const host = express();
    host.use('/api/ce', (req, res, next) => {
      if (req.headers['x-session'] === 'alice') next();
      else res.status(401).json({ message: 'Sign in first' });
    });
    host.use(toNodeListener(harness.handler));
    app = await listen(() => host);
    return { session: { 'X-Session': 'alice' } };
  }

  test('oauth/url: the plain path needs the session; no disguise gets around it', async () => {
    const { session } = await startHost();
    assert.equal((await send(app.url, '/api/ce/sfdc/oauth/url', { 'X-CE-Connect': '1' })).status, 401);
    for (const path of disguises('/api/ce/sfdc/oauth/url')) {
      const response = await send(app.url, path, { 'X-CE-Connect': '1' });
      assert.notEqual(response.status, 200, path);
      assert.equal(response.headers['set-cookie'], undefined, `${path}: no flow was started`);
    }
    assert.equal(harness.ceCalls.length, 0);
    assert.equal((await send(app.url, '/api/ce/sfdc/oauth/url', { 'X-CE-Connect': '1', ...session })).status, 200);
  });

  test('a flow started with the session cannot be completed without it (no instance, no onInstanceCreated)', async () => {
    const { session } = await startHost();
    const started = await send(app.url, '/api/ce/sfdc/oauth/url', { 'X-CE-Connect': '1', ...session });
    assert.equal(started.status, 200);
    const cookie = started.headers['set-cookie'].map((value) => value.split(';')[0]).join('; ');
    const { location } = await decide(await openConsent(JSON.parse(started.body).oauthUrl), 'allow');
    const callback = new URL(location);
    for (const path of disguises(callback.pathname)) {
      const response = await send(app.url, path + callback.search, { Cookie: cookie });
      assert.notEqual(response.status, 200, path);
    }
    assert.equal((await send(app.url, callback.pathname + callback.search, { Cookie: cookie })).status, 401);
    assert.equal(harness.instanceCalls().length, 0);
    assert.deepEqual(harness.created, []);
    // With the session, the same callback completes: the disguises were refused, not the flow.
    const page = await send(app.url, callback.pathname + callback.search, { Cookie: cookie, ...session });
    assert.match(pageResult(page.body).instanceId, /^\d+$/);
    assert.equal(harness.created.length, 1);
  });
});
