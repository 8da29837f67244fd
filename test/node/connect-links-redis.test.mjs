// Connect links on a shared store: two ce-connect/server processes (separate `node` processes) behind a
// round-robin proxy, on one real redis-server. Two browsers that both opened the same link and completed the
// provider's sign-in at the same moment, each on another process: one instance, never two.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createConnectHandler } from '../../lib/server/index.js';
import { Browser, pageResult } from './support/harness.mjs';
import { CONFIG } from '../../tools/multi-process.mjs';
import { redisMissing } from '../../tools/redis-server.mjs';
import { redisDeploymentForSuite } from './support/redis-deployment.mjs';

const skip = redisMissing();

function browserFor(deployment) {
  return new Browser({
    appUrl: deployment.appUrl,
    basePath: '/api/ce',
    send: (url, init) => fetch(url, init),
    responses: [],
  });
}

/** A handler configured as the processes are (same cookie secret and elements), used here only to make links. */
function linkMaker(deployment) {
  const elements = Object.fromEntries(
    ['sfdc', 'hubspot'].map((key) => [
      key,
      {
        apiKey: `${key}-key`,
        apiSecret: `${key}-api-secret-0123`,
        callbackUrl: `${deployment.appUrl}/api/ce/${key}/oauth/callback`,
      },
    ]),
  );
  return createConnectHandler({
    cloudElements: {
      baseUrl: deployment.ce.baseUrl,
      userSecret: CONFIG.userSecret,
      organizationSecret: CONFIG.organizationSecret,
    },
    elements,
    cookieSecret: CONFIG.cookieSecret,
    appName: 'Acme CRM',
    onInstanceCreated: () => {},
    // Making a link touches no store; a peeking one is required for links all the same.
    stateStore: { consumeOnce: async () => true, has: async () => false },
  });
}

/** Confirms the link, starts the sign-in through the link routes and passes the provider: the callback URL. */
async function toCallback(browser, url) {
  const confirmed = await browser.fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: '',
  });
  assert.equal(confirmed.status, 303, confirmed.body);
  const started = await browser.fetch('/api/ce/link/sfdc/oauth/url', {
    headers: { Accept: 'application/json', 'X-CE-Connect': '1' },
  });
  assert.equal(started.status, 200, started.body);
  const consent = await fetch(JSON.parse(started.body).oauthUrl, { redirect: 'manual' });
  await consent.arrayBuffer();
  assert.equal(consent.status, 303);
  return consent.headers.get('location');
}

describe('a connect link on Redis, two server processes', { skip }, () => {
  let deployment;
  redisDeploymentForSuite((running) => ({ deployment } = running));

  test('two concurrent completions of one link, on both processes, create one instance', async () => {
    const link = await linkMaker(deployment).createConnectLink({ owner: 'cust-7', element: 'sfdc' });
    const [a, b] = [browserFor(deployment), browserFor(deployment)];
    const [toA, toB] = [await toCallback(a, link.url), await toCallback(b, link.url)];
    const before = deployment.ce.instanceCalls();
    const results = await Promise.all([a.fetch(toA), b.fetch(toB)]);
    assert.notEqual(
      results[0].headers.get('x-served-by'),
      results[1].headers.get('x-served-by'),
      'one callback on each process',
    );
    const outcomes = results.map((r) => pageResult(r.body));
    assert.equal(outcomes.filter((o) => o?.instanceId).length, 1, JSON.stringify(outcomes));
    assert.equal(outcomes.filter((o) => o?.error === 'exchange_failed').length, 1, JSON.stringify(outcomes));
    assert.equal(deployment.ce.instanceCalls() - before, 1, 'Cloud Elements was asked for one instance');
    // Spent on the shared store: both processes say so.
    for (const browser of [browserFor(deployment), browserFor(deployment)]) {
      const page = await browser.fetch(link.url);
      assert.equal(page.status, 410);
    }
  });
});
