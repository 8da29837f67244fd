// ce-connect/server on another origin than the page (#21 item 3; src/server/cors.ts): CORS for allowedOrigins
// only — credentialed preflights and answers, Vary: Origin — nothing for other origins, and the flow cookie
// riding along same-site (two ports of 127.0.0.1, as app.example.com → api.example.com).
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { decide, openConsent, SECRETS, startHarness } from './support/harness.mjs';

/** The page's origin: another port of the same host (same-site), where nothing needs to listen. */
const PAGE = 'http://127.0.0.1:1';
/** The page's headers on a cross-origin request, as a browser sends them. */
const FROM_PAGE = { Origin: PAGE, 'Sec-Fetch-Site': 'same-site' };

let harness;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** The handler for a page on PAGE: flow 4b's static callback page lives there; flow 4a's route on the handler. */
function startCrossOrigin(server = {}) {
  return startHarness({
    server: { allowedOrigins: [PAGE], authorize: () => 'default', ...server },
    elements: {
      hubspot: {
        apiKey: 'hubspot-key',
        apiSecret: SECRETS.hubspotApiSecret,
        callbackUrl: `${PAGE}/callback.html`,
        scope: 'contacts',
        configuration: { 'authentication.type': 'oauth2' },
      },
    },
  });
}

function assertReadableBy(response, origin) {
  assert.equal(response.headers.get('access-control-allow-origin'), origin, response.url);
  assert.equal(response.headers.get('access-control-allow-credentials'), 'true', response.url);
  assert.match(response.headers.get('vary') ?? '', /\bOrigin\b/, response.url);
}

function assertNoCors(response) {
  for (const [name] of response.headers)
    assert.equal(name.startsWith('access-control-'), false, `${name} on ${response.url}`);
}

describe('CORS for allowedOrigins (#21 item 3)', () => {
  test('a preflight from an allowed origin: 204, its origin, credentials, X-CE-Connect and Content-Type, the methods, Vary, a short max-age', async () => {
    harness = await startCrossOrigin();
    const browser = harness.browser();
    for (const [path, method] of [
      ['/api/ce/sfdc/oauth/url', 'GET'],
      ['/api/ce/instances', 'POST'],
      ['/api/ce/instances/123', 'DELETE'],
    ]) {
      const preflight = await browser.fetch(path, {
        method: 'OPTIONS',
        headers: {
          Origin: PAGE,
          'Access-Control-Request-Method': method,
          'Access-Control-Request-Headers': 'x-ce-connect, content-type',
        },
      });
      assert.equal(preflight.status, 204, path);
      assertReadableBy(preflight, PAGE);
      assert.deepEqual(
        preflight.headers
          .get('access-control-allow-headers')
          .split(',')
          .map((h) => h.trim()),
        ['X-CE-Connect', 'Content-Type'],
      );
      const methods = preflight.headers
        .get('access-control-allow-methods')
        .split(',')
        .map((m) => m.trim());
      for (const wanted of ['GET', 'POST', 'DELETE']) assert.ok(methods.includes(wanted), methods.join());
      const maxAge = Number(preflight.headers.get('access-control-max-age'));
      assert.ok(maxAge > 0 && maxAge <= 600, `max-age ${maxAge}`);
    }
    assert.equal(harness.ceCalls.length, 0);
  });

  test('other origins get nothing: the preflight stays 403, answers carry no Access-Control-*, a GET is refused', async () => {
    harness = await startCrossOrigin();
    const browser = harness.browser();
    for (const origin of ['http://127.0.0.1:2', 'http://localhost:1', `${PAGE}/`, 'null', 'https://evil.example']) {
      const preflight = await browser.fetch('/api/ce/sfdc/oauth/url', {
        method: 'OPTIONS',
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'GET',
          'Access-Control-Request-Headers': 'x-ce-connect',
        },
      });
      assert.equal(preflight.status, 403, origin);
      assertNoCors(preflight);
      const get = await browser.fetch('/api/ce/sfdc/oauth/url', { headers: { 'X-CE-Connect': '1', Origin: origin } });
      assert.equal(get.status, 403, origin);
      assertNoCors(get);
    }
    const noOrigin = await browser.fetch('/api/ce/instances', { method: 'OPTIONS' });
    assert.equal(noOrigin.status, 403);
    assertNoCors(noOrigin);
    // The handler's own same-origin answers need none either.
    assertNoCors(await browser.startFlow('sfdc'));
  });

  test('flow 4b, the list and a disconnect from the page on another origin: each answer readable by it, the flow cookie rides along', async () => {
    harness = await startCrossOrigin();
    const browser = harness.browser();
    const started = await browser.fetch('/api/ce/hubspot/oauth/url', {
      headers: { 'X-CE-Connect': '1', ...FROM_PAGE },
    });
    assert.equal(started.status, 200, started.body);
    assertReadableBy(started, PAGE);
    const [cookie] = started.headers.getSetCookie();
    assert.match(cookie, /; SameSite=Lax/);
    assert.doesNotMatch(
      cookie,
      /Domain=|SameSite=(Strict|None)/i,
      'host-only and Lax: sent to the handler from a same-site page',
    );
    const { state, oauthUrl } = JSON.parse(started.body);
    const { location } = await decide(await openConsent(oauthUrl), 'allow');
    assert.ok(location.startsWith(`${PAGE}/callback.html?`), 'the static callback page on the page origin');
    const code = new URL(location).searchParams.get('code');
    const created = await browser.postInstance(
      { element: { key: 'hubspot' }, providerData: { code }, state },
      FROM_PAGE,
    );
    assert.equal(created.status, 201, created.body);
    assertReadableBy(created, PAGE);
    const listed = await browser.api('instances', { headers: FROM_PAGE });
    assertReadableBy(listed, PAGE);
    assert.deepEqual(
      listed.json.instances.map((i) => i.id),
      [created.json.id],
    );
    const deleted = await browser.api(`instances/${created.json.id}`, { method: 'DELETE', headers: FROM_PAGE });
    assert.equal(deleted.status, 200, deleted.body);
    assertReadableBy(deleted, PAGE);
    assert.equal(harness.sandbox.instances().length, 0);
  });

  test('flow 4a in redirect mode from the page on another origin: the 303 goes back to the page with the result', async () => {
    harness = await startCrossOrigin();
    const browser = harness.browser();
    const back = `${PAGE}/settings`;
    const started = await browser.fetch(`/api/ce/sfdc/oauth/url?mode=redirect&return=${encodeURIComponent(back)}`, {
      headers: { 'X-CE-Connect': '1', ...FROM_PAGE },
    });
    assert.equal(started.status, 200, started.body);
    assertReadableBy(started, PAGE);
    const { location } = await decide(await openConsent(JSON.parse(started.body).oauthUrl), 'allow');
    const returned = await browser.fetch(location);
    assert.equal(returned.status, 303);
    assert.ok(returned.headers.get('location').startsWith(`${back}#ce-connect=`));
    assert.equal(harness.sandbox.instances().length, 1);
    // In popup mode the 4a callback page would post to its own origin, which the page never hears: refused up front.
    const popup = await browser.fetch('/api/ce/sfdc/oauth/url', { headers: { 'X-CE-Connect': '1', ...FROM_PAGE } });
    assert.equal(popup.status, 400);
    assert.match(JSON.parse(popup.body).message, /callback URL is on/);
    assertReadableBy(popup, PAGE);
  });

  test('a 500 (host code failed) is readable by the allowed page too, so it sees the message rather than a CORS failure', async () => {
    harness = await startCrossOrigin({
      authorize: () => {
        throw new Error('host failure');
      },
    });
    const answer = await harness
      .browser()
      .fetch('/api/ce/instances', { headers: { 'X-CE-Connect': '1', ...FROM_PAGE } });
    assert.equal(answer.status, 500);
    assertReadableBy(answer, PAGE);
  });
});
