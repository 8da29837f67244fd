// toNodeListener: node:http and Express-style use, fixed origin, lazy bodies, Set-Cookie lists, errors.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { afterEach, test } from 'node:test';
import { toNodeListener } from '../../lib/server/index.js';
import { listen } from './support/harness.mjs';

let server;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function send(url, { method = 'GET', path = '/', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url + path, { method, headers });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('undefined → 404 JSON under node:http; a response keeps its status, headers and every Set-Cookie', async () => {
  const seen = [];
  const handler = async (request) => {
    seen.push(request.url);
    if (!new URL(request.url).pathname.startsWith('/mine')) return undefined;
    const headers = new Headers({ 'Content-Type': 'text/plain', 'X-Test': 'yes' });
    headers.append('Set-Cookie', 'a=1; Path=/');
    headers.append('Set-Cookie', 'b=2; Path=/');
    return new Response('hello', { status: 418, headers });
  };
  server = await listen(() => toNodeListener(handler));
  const mine = await send(server.url, {
    path: '/mine?q=1',
    headers: { Host: 'evil.example', 'X-Forwarded-Host': 'evil.example' },
  });
  assert.equal(mine.status, 418);
  assert.equal(mine.body, 'hello');
  assert.equal(mine.headers['x-test'], 'yes');
  assert.deepEqual(mine.headers['set-cookie'], ['a=1; Path=/', 'b=2; Path=/']);
  const other = await send(server.url, { path: '/other' });
  assert.equal(other.status, 404);
  assert.deepEqual(JSON.parse(other.body), { message: 'Not found' });
  assert.equal(other.headers['cache-control'], 'no-store');
  // The Request URL comes from a fixed origin, never from Host headers (D-11), and '//' cannot change the host.
  await send(server.url, { path: '//evil.example/x' });
  assert.deepEqual(seen, ['http://localhost/mine?q=1', 'http://localhost/other', 'http://localhost//evil.example/x']);
});

test('Express-style: undefined calls next() and leaves the body unread for the next middleware', async () => {
  const listener = toNodeListener(async (request) => {
    if (new URL(request.url).pathname === '/api/ce/echo') return new Response(await request.text());
    return undefined;
  });
  server = await listen(() => (req, res) => {
    listener(req, res, (error) => {
      assert.equal(error, undefined);
      let text = '';
      req.on('data', (chunk) => (text += chunk));
      req.on('end', () => res.end(`next saw: ${text}`));
    });
  });
  const passed = await send(server.url, { method: 'POST', path: '/elsewhere', body: 'payload' });
  assert.equal(passed.body, 'next saw: payload');
  const handled = await send(server.url, { method: 'POST', path: '/api/ce/echo', body: 'x'.repeat(100_000) });
  assert.equal(handled.body.length, 100_000);
});

test('Express mounts: originalUrl (the full path) is what the handler sees', async () => {
  const seen = [];
  const listener = toNodeListener(async (request) => {
    seen.push(new URL(request.url).pathname);
    return new Response('ok');
  });
  server = await listen(() => (req, res) => {
    req.originalUrl = req.url;
    req.url = req.url.replace(/^\/api\/ce/, '') || '/';
    listener(req, res, () => res.end('next'));
  });
  await send(server.url, { path: '/api/ce/sfdc/oauth/url' });
  assert.deepEqual(seen, ['/api/ce/sfdc/oauth/url']);
});

test('a throwing handler → next(error) under Express, 500 JSON under node:http', async () => {
  const failing = toNodeListener(async () => {
    throw new Error('boom');
  });
  let received;
  server = await listen(() => (req, res) => {
    if (req.url === '/express') {
      failing(req, res, (error) => {
        received = error;
        res.statusCode = 503;
        res.end();
      });
    } else failing(req, res);
  });
  assert.equal((await send(server.url, { path: '/express' })).status, 503);
  assert.equal(received.message, 'boom');
  const plain = await send(server.url, { path: '/plain' });
  assert.equal(plain.status, 500);
  assert.deepEqual(JSON.parse(plain.body), { message: 'Internal error' });
});

test('the origin option sets the Request origin (for handlers that build absolute URLs)', async () => {
  let seen;
  server = await listen((origin) =>
    toNodeListener(
      async (request) => {
        seen = request.url;
        return new Response('');
      },
      { origin },
    ),
  );
  await send(server.url, { path: '/x', headers: { Host: 'evil.example' } });
  assert.equal(seen, `${server.url}/x`);
});
