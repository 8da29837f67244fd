// GET /instances as the real Cloud Elements pages it: pageSize (default and cap 200), the nextPage token from the
// Elements-Next-Page-Token header, hydrate=false, tags[] — over real HTTP on loopback, 250 instances.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createSandbox, SANDBOX_PASSWORD, SANDBOX_USERNAME } from '../../lib/sandbox/index.js';

const AUTH = 'User sandbox-user-secret, Organization sandbox-organization-secret';
const COUNT = 250;

let server;
let ids;
let thirds;
before(async () => {
  server = await createSandbox().listen();
  // Credentials instances: one call each, 25 at a time. Every third one also carries the tag "third".
  const created = [];
  for (let batch = 0; batch < COUNT; batch += 25) {
    const answers = await Promise.all(
      Array.from({ length: 25 }, (_, j) =>
        list('/instances', {
          method: 'POST',
          body: {
            element: { key: 'zohocrm' },
            name: `Instance ${batch + j}`,
            tags: ['all', ...((batch + j) % 3 === 0 ? ['third'] : [])],
            configuration: { 'crm.zohocrm.username': SANDBOX_USERNAME, 'crm.zohocrm.password': SANDBOX_PASSWORD },
          },
        }),
      ),
    );
    for (const answer of answers) assert.equal(answer.status, 200);
    created.push(...answers.map((answer) => answer.body));
  }
  created.sort((a, b) => a.id - b.id);
  ids = created.map((instance) => instance.id);
  thirds = created.filter((instance) => instance.tags.includes('third')).map((instance) => instance.id);
});
after(() => server.close());

async function list(path, { method = 'GET', body } = {}) {
  const response = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: { Authorization: AUTH, ...(body && { 'Content-Type': 'application/json' }) },
    body: body && JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: JSON.parse(text), bytes: text.length };
}

/** Reads every page of `query` the way a client should; returns the pages' sizes and all ids. */
async function readAll(query) {
  const sizes = [];
  const seen = [];
  let next;
  do {
    const page = await list(`/instances?${query}${next ? `&nextPage=${encodeURIComponent(next)}` : ''}`);
    assert.equal(page.status, 200, JSON.stringify(page.body));
    assert.equal(page.headers.get('elements-returned-count'), String(page.body.length));
    sizes.push(page.body.length);
    seen.push(...page.body.map((instance) => instance.id));
    next = page.headers.get('elements-next-page-token');
  } while (next);
  return { sizes, seen };
}

test('without pageSize: pages of 200, Elements-Next-Page-Token while more remain, none on the last page', async () => {
  const { sizes, seen } = await readAll('hydrate=false');
  assert.deepEqual(sizes, [200, 50]);
  assert.deepEqual(seen, ids);
});

test('pageSize=100 → 100, 100, 50; a pageSize above 200 is capped at 200', async () => {
  assert.deepEqual((await readAll('pageSize=100&hydrate=false')).sizes, [100, 100, 50]);
  assert.deepEqual((await readAll('pageSize=1000&hydrate=false')).sizes, [200, 50]);
});

test('tags[] filters across pages', async () => {
  const { sizes, seen } = await readAll('tags[]=third&pageSize=30&hydrate=false');
  assert.deepEqual(seen, thirds);
  assert.deepEqual(sizes, [30, 30, 24]);
});

test('hydrated (the default), each instance embeds its element definition: several KB; hydrate=false leaves it out', async () => {
  const hydrated = await list('/instances?pageSize=10');
  const compact = await list('/instances?pageSize=10&hydrate=false');
  const one = JSON.stringify(hydrated.body[0]);
  assert.ok(one.length > 4096, `a hydrated instance is ${one.length} characters`);
  assert.ok(Array.isArray(hydrated.body[0].element.resources) && hydrated.body[0].element.resources.length > 10);
  assert.deepEqual(compact.body[0].element, { id: hydrated.body[0].element.id, key: 'zohocrm', name: 'Zoho CRM' });
  assert.equal(compact.body[0].token, hydrated.body[0].token);
  assert.ok(hydrated.bytes > 10 * compact.bytes, `${hydrated.bytes} vs ${compact.bytes}`);
  const full = await list('/instances');
  assert.ok(full.bytes > 200 * 4096, `a first page of 200 hydrated instances is large: ${full.bytes} characters`);
});

test('a bad nextPage token or pageSize → 400 with a Cloud Elements error body', async () => {
  for (const query of ['nextPage=not-a-token', 'pageSize=0', 'pageSize=abc']) {
    const result = await list(`/instances?${query}`);
    assert.equal(result.status, 400, query);
    assert.match(result.body.requestId, /^[0-9a-f]{24}$/);
  }
});
