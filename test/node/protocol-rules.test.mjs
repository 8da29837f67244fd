// One set of protocol rules (src/protocol-rules.ts) for the widget, the callback script and ce-connect/server: for each
// value both ends judge, the server's verdict and the widget's are the same — the browser never carries what the
// server refuses (a sign-in the user went through for nothing), and the server never sends what the browser drops.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { checkOAuthUrl, checkState } from '../../lib/oauth-url.js';
import { parseCallbackMessage } from '../../lib/protocol.js';
import { isInstanceName } from '../../lib/protocol-rules.js';
import { readProviderAnswer } from '../../lib/server/callback-params.js';
import { isInstanceIdText } from '../../lib/server/instance-view.js';
import { sanitizeOAuthUrl } from '../../lib/server/sign-in/oauth2.js';
import { startHarness } from './support/harness.mjs';

const STATE = 'S'.repeat(43);
const message = (fields) => parseCallbackMessage({ type: 'ce-connect:callback', v: 1, state: STATE, ...fields });
const provider = (fields) => readProviderAnswer(new URLSearchParams(fields));

let harness;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

test('a code: the server exchanges exactly the codes a callback message may carry (a space is refused by both)', () => {
  const codes = [
    'abc',
    '4/0AX4XfWh-~.+/=',
    'x'.repeat(4096),
    'a b',
    ' ',
    'x'.repeat(4097),
    'a\r\nb',
    'a\u0000b',
    'ü',
    '',
  ];
  for (const code of codes) {
    assert.equal(provider({ code }).kind === 'code', message({ code }) !== null, JSON.stringify(code.slice(0, 20)));
  }
  assert.equal(message({ code: 'a b' }), null);
});

test('an error code: the server passes on exactly the error codes a callback message may carry', () => {
  const errors = [
    'access_denied',
    'invalid_scope',
    'OAUTH_APP_BLOCKED',
    'e'.repeat(64),
    'Access Denied',
    'e'.repeat(65),
    'a<b',
    '✗',
    '',
  ];
  for (const error of errors) {
    assert.equal(provider({ error }).kind === 'error', message({ error }) !== null, JSON.stringify(error));
  }
});

test("a provider's description, as the server passes it on, is always one a callback message may carry", () => {
  for (const description of ['No thanks', 'line1\r\nline2', '\ttabbed', 'd'.repeat(3000), '😀'.repeat(300), '']) {
    const answer = provider({ error: 'access_denied', error_description: description });
    assert.equal(answer.kind, 'error');
    assert.notEqual(
      message({ error: answer.error, errorDescription: answer.description }),
      null,
      JSON.stringify(description.slice(0, 20)),
    );
  }
});

test('an instance name the server accepts is a name a callback message may carry (counted in code points)', () => {
  for (const name of ['Acme CRM', 'Zürich – Vertrieb', '営業チーム', '😀'.repeat(200), 'x'.repeat(200)]) {
    assert.equal(isInstanceName(name), true);
    assert.notEqual(message({ instanceId: '1', name }), null, JSON.stringify(name.slice(0, 20)));
  }
});

test("an instance id: every id the server reads, the widget accepts; the widget also takes a custom backend's visible-ASCII ids", () => {
  for (const id of ['1', '987654', 'a-b_c', 'x'.repeat(64)]) {
    assert.ok(isInstanceIdText(id), JSON.stringify(id));
    assert.notEqual(message({ instanceId: id }), null, JSON.stringify(id));
  }
  for (const id of ['x'.repeat(65), 'a.b', 'inst:1'])
    assert.notEqual(message({ instanceId: id }), null, JSON.stringify(id));
  for (const id of ['with space', '', 'x'.repeat(129), 'tab\t'])
    assert.equal(message({ instanceId: id }), null, JSON.stringify(id));
});

test('secret parameters: the server strips exactly the parameters the widget refuses', () => {
  const url = (name) => `https://login.example/authorize?response_type=code&state=${STATE}&${name}=v`;
  for (const name of [
    'secret',
    'client_secret',
    'CLIENT_SECRET',
    'clientSecret',
    'client-secret',
    'apisecret',
    'api_secret',
    'api-secret',
    'apiSecret',
  ]) {
    assert.throws(() => checkOAuthUrl(url(name)), { code: 'invalid-oauth-url' }, name);
    const stripped = sanitizeOAuthUrl(url(name), STATE, []);
    assert.equal(new URL(stripped).searchParams.has(name), false, name);
    assert.equal(checkOAuthUrl(stripped).href, stripped, name);
  }
  for (const name of ['secretary', 'client_secret_hint', 'x_secret']) {
    assert.equal(checkOAuthUrl(url(name)).href, url(name), name);
    assert.equal(sanitizeOAuthUrl(url(name), STATE, []), url(name), name);
  }
});

test("a state: the bounds the widget checks are the bounds POST /instances checks; the server's own states pass", async () => {
  const at = (length) => 'x'.repeat(length);
  const inUrl = new URL('https://login.example/authorize');
  for (const length of [22, 43, 512]) assert.equal(checkState(at(length), inUrl), at(length));
  for (const length of [21, 513]) assert.throws(() => checkState(at(length), inUrl), { code: 'insecure-state' });

  harness = await startHarness();
  const browser = harness.browser();
  const { state } = (await browser.startFlow('sfdc')).json;
  assert.equal(checkState(state, inUrl), state);
  const exchange = (value) =>
    browser.postInstance({ element: { key: 'sfdc' }, providerData: { code: 'abc' }, state: value });
  for (const length of [21, 513]) {
    const refused = await exchange(at(length));
    assert.equal(refused.status, 400);
    assert.match(JSON.parse(refused.body).message, /^Expected /, `a ${length}-character state is malformed`);
  }
  // Well-formed but unknown: it reaches the flow check (and is refused there).
  assert.equal(JSON.parse((await exchange(at(512))).body).message, 'Unknown sign-in state');
  assert.equal(harness.instanceCalls().length, 0);
});
