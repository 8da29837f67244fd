// Mistakes that say what is wrong: a page whose origin can never complete flow 4a is told so at oauth/url (a 400
// naming both origins), and a request for an element that is not configured is logged with the keys that are.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { startHarness } from './support/harness.mjs';

let harness;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const widget = { Accept: 'application/json', 'X-CE-Connect': '1' };

async function oauthUrl(h, headers, element = 'sfdc') {
  const response = await h.browser().fetch(`/api/ce/${element}/oauth/url`, { headers: { ...widget, ...headers } });
  return { ...response, json: JSON.parse(response.body) };
}

test("flow 4a, a page on another origin (Referer): 400 naming the page's and the callback URL's origins; no flow, no Cloud Elements call", async () => {
  harness = await startHarness();
  const callbackOrigin = new URL(harness.appUrl).origin;
  const page = callbackOrigin.replace('127.0.0.1', 'localhost');
  const answer = await oauthUrl(harness, { Referer: `${page}/settings` });
  assert.equal(answer.status, 400);
  assert.equal(
    answer.json.message,
    `This page is on ${page}, but the callback URL is on ${callbackOrigin}: the sign-in could never come back to it. Open the page on ${callbackOrigin}, or register a callback URL on ${page}.`,
  );
  assert.equal(answer.headers.getSetCookie().length, 0, 'no flow cookie');
  assert.equal(harness.ceCalls.length, 0);
  assert.ok(harness.logs.some((line) => line.includes('reason=page-origin')));
});

test('flow 4a, an allowed Origin decides when present; without Origin and Referer, Sec-Fetch-Site same-site is refused too', async () => {
  harness = await startHarness({ server: { allowedOrigins: ['https://app.example'] } });
  const callbackOrigin = new URL(harness.appUrl).origin;
  const byOrigin = await oauthUrl(harness, { Origin: 'https://app.example', Referer: `${callbackOrigin}/page` });
  assert.equal(byOrigin.status, 400);
  assert.match(
    byOrigin.json.message,
    /^This page is on https:\/\/app\.example, but the callback URL is on http:\/\/127\.0\.0\.1:\d+/,
  );
  const bySite = await oauthUrl(harness, { 'Sec-Fetch-Site': 'same-site' });
  assert.equal(bySite.status, 400);
  assert.equal(
    bySite.json.message,
    `This page is on another origin, but the callback URL is on ${callbackOrigin}: the sign-in could never come back to it. Open the page on ${callbackOrigin}.`,
  );
  assert.equal(harness.ceCalls.length, 0);
});

test("a foreign Origin or Sec-Fetch-Site cross-site stays the CSRF guard's 403 (the guard decides first)", async () => {
  harness = await startHarness();
  assert.equal((await oauthUrl(harness, { Origin: 'https://evil.example' })).status, 403);
  assert.equal((await oauthUrl(harness, { 'Sec-Fetch-Site': 'cross-site' })).status, 403);
});

test("flow 4a, a page on the callback URL's origin (or a request that does not tell) starts the flow", async () => {
  harness = await startHarness();
  const callbackOrigin = new URL(harness.appUrl).origin;
  assert.equal(
    (await oauthUrl(harness, { Referer: `${callbackOrigin}/settings`, 'Sec-Fetch-Site': 'same-origin' })).status,
    200,
  );
  assert.equal((await oauthUrl(harness, {})).status, 200);
});

test('flow 4b (a static callback page, which may post to another origin): the page origin is not checked', async () => {
  harness = await startHarness({ callbackPath: () => '/static/callback.html' });
  const answer = await oauthUrl(harness, { Referer: 'https://elsewhere.example/page' });
  assert.equal(answer.status, 200);
});

test('an element that is not configured: 404, and the log line names the configured keys', async () => {
  harness = await startHarness();
  const answer = await oauthUrl(harness, {}, 'salesforce');
  assert.equal(answer.status, 404);
  const line = harness.logs.find((entry) => entry.includes('request.unknown-element'));
  assert.ok(line, harness.logs.join('\n'));
  assert.match(line, /element=salesforce/);
  assert.match(line, /configured=sfdc,hubspot/);
});
