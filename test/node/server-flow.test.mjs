// ce-connect/server end to end against the sandbox: flows 4a and 4b, Deny, provider and exchange errors, callback.js.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, test } from 'node:test';
import { authorize, decide, manualClock, openConsent, pageResult, SECRETS, startHarness } from './support/harness.mjs';

let harness;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('flow 4a: the backend callback route exchanges the code', () => {
  test('Allow → callback page embeds the instance id; the token goes to onInstanceCreated only', async () => {
    harness = await startHarness();
    const browser = harness.browser();
    const { state, location } = await authorize(browser, 'sfdc', 'allow');
    assert.equal(location.origin, harness.appUrl);
    assert.equal(location.pathname, '/api/ce/sfdc/oauth/callback');
    assert.equal(location.searchParams.get('state'), state);

    const page = await browser.fetch(location.href);
    assert.equal(page.status, 200);
    const [instance] = harness.sandbox.instances();
    const result = pageResult(page.body);
    assert.deepEqual(Object.keys(result).sort(), ['instanceId', 'name', 'state']);
    assert.equal(result.state, state);
    assert.equal(result.instanceId, String(instance.id));
    assert.match(result.name, /^Salesforce \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\)$/);
    assert.equal(instance.name, result.name);

    assert.equal(harness.created.length, 1);
    const event = harness.created[0];
    assert.equal(event.element, 'sfdc');
    assert.equal(event.token, instance.token);
    assert.equal(event.instance.id, instance.id);
    assert.equal('token' in event.instance, false);
    assert.ok(event.request instanceof Request);
    assert.equal(page.body.includes(instance.token), false);

    // The sandbox saw the same key, secret and callback URL as the oauth/url call (masked in its answer).
    assert.equal(instance.configuration['oauth.api.key'], '********');
    assert.equal(instance.configuration['oauth.callback.url'], `${harness.appUrl}/api/ce/sfdc/oauth/callback`);
    // The consumed flow's cookie is cleared.
    assert.equal(browser.cookieNames().length, 0);
  });

  test('the callback page: doctype, charset, status text, data block, module script and headers (C-4)', async () => {
    harness = await startHarness();
    const browser = harness.browser();
    const { location } = await authorize(browser);
    const page = await browser.fetch(location.href);
    assert.match(page.body, /^<!doctype html>/);
    assert.match(page.body, /<meta charset="utf-8">/);
    assert.match(page.body, /<title>[^<]+<\/title>/);
    assert.match(page.body, /<p id="ce-connect-status">Finishing sign-in…<\/p>/);
    assert.match(page.body, /<script type="module" src="\/api\/ce\/callback\.js"><\/script>/);
    assert.doesNotMatch(page.body, /<script>/, 'no inline executable script');
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(
      page.headers.get('content-security-policy'),
      "default-src 'none'; script-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(page.headers.get('cache-control'), 'no-store');
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(page.headers.get('cross-origin-opener-policy'), null);
  });

  test('Deny → the page embeds access_denied for the flow; nothing is exchanged', async () => {
    harness = await startHarness();
    const browser = harness.browser();
    const { state, location } = await authorize(browser, 'sfdc', 'deny');
    assert.equal(location.searchParams.get('error'), 'access_denied');
    const page = await browser.fetch(location.href);
    assert.equal(page.status, 200);
    const result = pageResult(page.body);
    assert.deepEqual(Object.keys(result).sort(), ['error', 'errorDescription', 'state']);
    assert.equal(result.state, state);
    assert.equal(result.error, 'access_denied');
    assert.equal(typeof result.errorDescription, 'string');
    assert.equal(harness.instanceCalls().length, 0);
    assert.equal(harness.created.length, 0);
  });

  test('another provider error is passed on by name, with its description as plain text', async () => {
    harness = await startHarness();
    const browser = harness.browser();
    const { state } = (await browser.startFlow('sfdc')).json;
    const query = new URLSearchParams({ error: 'temporarily_unavailable', error_description: 'Try later', state });
    const result = pageResult((await browser.fetch(`/api/ce/sfdc/oauth/callback?${query}`)).body);
    assert.deepEqual(result, { state, error: 'temporarily_unavailable', errorDescription: 'Try later' });
  });

  test('an exchange failure reports exchange_failed with a generic description, never the CE body', async () => {
    harness = await startHarness({ sandbox: { fail: { instances: 500 } } });
    const browser = harness.browser();
    const { state, location } = await authorize(browser);
    const page = await browser.fetch(location.href);
    const result = pageResult(page.body);
    assert.equal(result.state, state);
    assert.equal(result.error, 'exchange_failed');
    assert.doesNotMatch(result.errorDescription, /Simulated|requestId/);
    assert.equal(harness.created.length, 0);
  });

  test('a throwing onInstanceCreated fails the flow, removes the orphaned instance, and leaks no token', async () => {
    let token;
    harness = await startHarness({
      server: {
        onInstanceCreated: (event) => {
          token = event.token;
          throw new Error(`database refused ${event.token}`);
        },
      },
    });
    const browser = harness.browser();
    const { location } = await authorize(browser);
    const page = await browser.fetch(location.href);
    assert.equal(pageResult(page.body).error, 'exchange_failed');
    assert.equal(page.body.includes(token), false);
    assert.deepEqual(harness.sandbox.instances(), [], 'the instance nobody stored was deleted at Cloud Elements');
    const deletion = harness.ceCalls.at(-1);
    assert.equal(deletion.method, 'DELETE');
    assert.match(deletion.url, /\/elements\/api-v2\/instances\/\d+$/);
    assert.ok(
      harness.logs.some((line) => line.includes('instance.store-failed') && line.includes('reason=hook-threw')),
    );
    assert.ok(harness.logs.some((line) => line.includes('instance.removed')));
    assert.equal(harness.logs.join('\n').includes(token), false);
  });
});

describe('flow 4b: the widget posts the code to POST {basePath}/instances', () => {
  test('Allow → 201 {id, name, element} with the id as a string and no token (D-16)', async () => {
    harness = await startHarness({ callbackPath: () => '/static/callback.html?from=provider' });
    const browser = harness.browser();
    const { state, location } = await authorize(browser, 'hubspot');
    assert.equal(location.pathname, '/static/callback.html');
    assert.equal(location.searchParams.get('from'), 'provider', 'the callback URL keeps its own query');
    const code = location.searchParams.get('code');
    const response = await browser.postInstance({
      element: { key: 'hubspot' },
      providerData: { code },
      state,
      name: 'Marketing portal',
    });
    assert.equal(response.status, 201);
    const [instance] = harness.sandbox.instances();
    assert.deepEqual(response.json, { id: String(instance.id), name: 'Marketing portal', element: { key: 'hubspot' } });
    assert.equal(response.body.includes(instance.token), false);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(harness.created[0].token, instance.token);
    assert.equal(harness.created[0].element, 'hubspot');
    assert.equal(browser.cookieNames().length, 0, 'the consumed flow cookie is cleared');
  });

  test('an empty name gets the default name', async () => {
    harness = await startHarness({ callbackPath: () => '/cb' });
    const browser = harness.browser();
    const { state, location } = await authorize(browser, 'sfdc');
    const response = await browser.postInstance({
      element: { key: 'sfdc' },
      providerData: { code: location.searchParams.get('code') },
      state,
    });
    assert.equal(response.status, 201);
    assert.match(response.json.name, /^Salesforce \(/);
  });

  test('CE 4xx on instance creation → 502 with a generic message', async () => {
    harness = await startHarness({ callbackPath: () => '/cb' });
    const browser = harness.browser();
    const { state, location } = await authorize(browser, 'sfdc');
    harness.sandbox.configure({ fail: { instances: 400 } });
    const response = await browser.postInstance({
      element: { key: 'sfdc' },
      providerData: { code: location.searchParams.get('code') },
      state,
    });
    assert.equal(response.status, 502);
    assert.deepEqual(response.json, { message: 'Cloud Elements refused to create the instance' });
    assert.ok(
      harness.logs.some((line) =>
        /cloud-elements.failed call=instances failure=error-status status=400 requestId=[0-9a-f]{24}/.test(line),
      ),
    );
  });
});

describe('several flows in flight', () => {
  for (const [title, finishFirst] of [
    ['in the order they started', 'sfdc'],
    ['in the reverse order', 'hubspot'],
  ]) {
    test(`two buttons: both flows complete when the callbacks come back ${title}`, async () => {
      harness = await startHarness();
      const browser = harness.browser();
      const flows = { sfdc: await authorize(browser, 'sfdc'), hubspot: await authorize(browser, 'hubspot') };
      assert.equal(browser.cookieNames().length, 2);
      const finishLast = finishFirst === 'sfdc' ? 'hubspot' : 'sfdc';
      for (const element of [finishFirst, finishLast]) {
        const result = pageResult((await browser.fetch(flows[element].location.href)).body);
        assert.equal(result.state, flows[element].state);
        assert.match(result.instanceId, /^\d+$/, `${element}: ${JSON.stringify(result)}`);
      }
      assert.equal(harness.sandbox.instances().length, 2);
      assert.deepEqual(
        harness.created.map((event) => event.element),
        [finishFirst, finishLast],
      );
    });
  }

  test('at most five pending flows: a sixth evicts the oldest', async () => {
    harness = await startHarness();
    const browser = harness.browser();
    const states = [];
    for (let i = 0; i < 6; i += 1) states.push((await browser.startFlow('sfdc')).json.state);
    assert.equal(browser.cookieNames().length, 5);
    const oldest = await browser.fetch(`/api/ce/sfdc/oauth/callback?code=x&state=${states[0]}`);
    assert.equal(oldest.status, 400);
    assert.equal(pageResult(oldest.body), null);
  });

  test('sequential starts never leave more than five flow cookies; a concurrent burst is trimmed back to five by the next start', async () => {
    // One cookie per flow (#19 item 8: two flows of one element started at once must both complete), so a burst
    // of concurrent starts leaves one per request — only the page's own script can send one (X-CE-Connect) —
    // and the next start, which sees them all, keeps the newest four beside its own.
    harness = await startHarness();
    const browser = harness.browser();
    const burst = (n, element) => Promise.all(Array.from({ length: n }, () => browser.startFlow(element)));
    assert.ok((await burst(8, 'sfdc')).every((started) => started.status === 200));
    assert.equal(browser.cookieNames().length, 8);
    await browser.startFlow('hubspot');
    assert.equal(browser.cookieNames().length, 5);
    for (let i = 0; i < 7; i += 1) {
      await browser.startFlow(i % 2 ? 'sfdc' : 'hubspot');
      assert.equal(browser.cookieNames().length, 5);
    }
  });

  test('five sequential starts all stay completable (a free slot is taken before the oldest is evicted)', async () => {
    harness = await startHarness();
    const browser = harness.browser();
    const flows = [];
    for (const element of ['sfdc', 'sfdc', 'hubspot', 'sfdc', 'hubspot']) flows.push(await authorize(browser, element));
    assert.equal(browser.cookieNames().length, 5);
    for (const { state, location } of flows) {
      const result = pageResult((await browser.fetch(location.href)).body);
      assert.equal(result.state, state);
      assert.match(result.instanceId, /^\d+$/);
    }
    assert.equal(browser.cookieNames().length, 0);
  });

  test("two flows of one element started at once (neither saw the other's cookie) both complete (4a; #19 item 8)", async () => {
    harness = await startHarness({ sandbox: { latencyMs: 30 } });
    const browser = harness.browser();
    const [a, b] = await Promise.all([browser.startFlow('sfdc'), browser.startFlow('sfdc')]);
    assert.deepEqual([a.status, b.status], [200, 200]);
    assert.equal(browser.cookieNames().length, 2, 'one flow cookie each');
    for (const flow of [b, a]) {
      const { location } = await decide(await openConsent(flow.json.oauthUrl), 'allow');
      const page = await browser.fetch(location);
      assert.equal(page.status, 200);
      const result = pageResult(page.body);
      assert.equal(result.state, flow.json.state);
      assert.match(result.instanceId ?? '', /^\d+$/, JSON.stringify(result));
    }
    assert.equal(harness.sandbox.instances().length, 2);
  });

  test('concurrent oauth/url calls do not overwrite each other (one cookie per flow)', async () => {
    harness = await startHarness({ sandbox: { latencyMs: 30 } });
    const browser = harness.browser();
    const [a, b] = await Promise.all([browser.startFlow('sfdc'), browser.startFlow('hubspot')]);
    assert.equal(browser.cookieNames().length, 2);
    for (const flow of [a, b]) {
      const page = await openConsent(flow.json.oauthUrl);
      const { location } = await decide(page, 'allow');
      assert.equal(pageResult((await browser.fetch(location)).body).state, flow.json.state);
    }
  });
});

describe('GET {basePath}/callback.js', () => {
  test('serves the built dist/ce-connect-callback.js as JavaScript; other methods → 405', async () => {
    const built = new URL('../../dist/ce-connect-callback.js', import.meta.url);
    assert.ok(existsSync(built), 'dist/ce-connect-callback.js is missing: the Node suite runs after `npm run build`');
    harness = await startHarness();
    const browser = harness.browser();
    const response = await browser.fetch('/api/ce/callback.js');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(response.body, readFileSync(built, 'utf8'));
    assert.equal((await browser.fetch('/api/ce/callback.js', { method: 'POST' })).status, 405);
  });

  test('without a build it answers 500 saying the script is missing, and serves it once it is built', async (t) => {
    // A copy of lib/ with no dist/ beside it: the package as it is before `npm run build:dist`.
    const root = mkdtempSync(join(tmpdir(), 'ce-connect-unbuilt-'));
    t.after(() => rmSync(root, { recursive: true, force: true }));
    cpSync(fileURLToPath(new URL('../../lib', import.meta.url)), join(root, 'lib'), { recursive: true });
    writeFileSync(join(root, 'package.json'), '{"type":"module"}');
    const { createConnectHandler } = await import(pathToFileURL(join(root, 'lib/server/index.js')).href);
    const handler = createConnectHandler({
      cloudElements: { userSecret: 'u', organizationSecret: 'o' },
      elements: { sfdc: { apiKey: 'k', apiSecret: 's', callbackUrl: 'https://app.test/api/ce/sfdc/oauth/callback' } },
      cookieSecret: 'c'.repeat(32),
      onInstanceCreated: () => {},
    });
    const missing = await handler(new Request('https://app.test/api/ce/callback.js'));
    assert.equal(missing.status, 500);
    assert.match((await missing.json()).message, /dist\/ce-connect-callback\.js is missing: run "npm run build"/);
    mkdirSync(join(root, 'dist'));
    writeFileSync(join(root, 'dist/ce-connect-callback.js'), '/* built */ export {};\n');
    const served = await handler(new Request('https://app.test/api/ce/callback.js'));
    assert.equal(served.status, 200, 'a missing file is not cached: building fixes a running server');
    assert.equal(await served.text(), '/* built */ export {};\n');
  });
});

test('secrets never reach the browser on the happy paths (D-1)', async () => {
  harness = await startHarness();
  const browser = harness.browser();
  const { location } = await authorize(browser);
  await browser.fetch(location.href);
  const all = harness.responses.map((r) => r.body + JSON.stringify([...r.headers])).join('\n');
  for (const secret of [...Object.values(SECRETS), harness.sandbox.instances()[0].token]) {
    assert.equal(all.includes(secret), false);
  }
});

describe('the instance name in flow 4a', () => {
  test('?name= on oauth/url travels in the signed flow cookie and names the instance the callback creates', async () => {
    harness = await startHarness();
    const browser = harness.browser();
    const started = await browser.startFlow('sfdc', `?name=${encodeURIComponent('Acme CRM')}`);
    assert.equal(started.status, 200);
    const { location } = await decide(await openConsent(started.json.oauthUrl), 'allow');
    const result = pageResult((await browser.fetch(location)).body);
    assert.equal(result.name, 'Acme CRM');
    assert.equal(harness.sandbox.instances()[0].name, 'Acme CRM');
  });

  test("without a name, the default one is the element and the handler clock's time (the `now` option)", async () => {
    const clock = manualClock(Date.UTC(2031, 4, 6, 7, 8, 59));
    harness = await startHarness({ server: { now: clock.now } });
    const browser = harness.browser();
    const { location } = await authorize(browser, 'hubspot');
    const result = pageResult((await browser.fetch(location)).body);
    assert.equal(result.name, 'HubSpot (2031-05-06 07:08 UTC)');
    assert.equal(harness.sandbox.instances()[0].name, 'HubSpot (2031-05-06 07:08 UTC)');
  });

  test('a name the server refuses (control characters, over 200 characters, repeated) falls back to the default', async () => {
    harness = await startHarness();
    for (const query of ['?name=a%0Ab', `?name=${'n'.repeat(201)}`, '?name=a&name=b']) {
      const browser = harness.browser();
      const started = await browser.startFlow('sfdc', query);
      const { location } = await decide(await openConsent(started.json.oauthUrl), 'allow');
      const result = pageResult((await browser.fetch(location)).body);
      assert.match(result.name, /^Salesforce \(/, query);
    }
  });
});
