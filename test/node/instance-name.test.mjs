// Hardening 8: the one instance-name rule (src/protocol-rules.ts), shared by the widget and ce-connect/server.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { isInstanceName } from '../../lib/protocol-rules.js';
import { decide, openConsent, pageResult, startHarness } from './support/harness.mjs';

let harness;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const ACCEPTED = [
  '',
  'Acme CRM',
  'Zürich – Vertrieb',
  'עברית',
  '営業チーム',
  '😀'.repeat(200),
  'x'.repeat(200),
  'tab\u00a0nbsp',
];
const REFUSED = {
  'a C0 control': 'a\nb',
  DEL: 'a\u007fb',
  'a C1 control (NEL)': 'a\u0085b',
  'a C1 control (CSI)': '\u009b31m',
  'a right-to-left override': '\u202eevil.exe',
  'a bidi isolate': 'a\u2066b',
  'a zero-width space only': '\u200b',
  'a zero-width joiner only': '\u200d',
  'a byte-order mark': '\ufeffname',
  'a line separator': 'a\u2028b',
  'a paragraph separator': 'a\u2029b',
  'a lone high surrogate': 'a\ud800',
  'a lone low surrogate': '\udc00b',
  'reversed surrogates': '\ude00\ud83d',
  '201 code points': '😀'.repeat(201),
  '201 characters': 'x'.repeat(201),
};

test('the rule: ≤ 200 code points, well-formed, no Cc/Cf/Zl/Zp character', () => {
  for (const name of ACCEPTED) assert.equal(isInstanceName(name), true, JSON.stringify(name));
  for (const [what, name] of Object.entries(REFUSED)) assert.equal(isInstanceName(name), false, what);
  for (const value of [undefined, null, 7, ['a'], { toString: () => 'a' }]) assert.equal(isInstanceName(value), false);
  // Well-formed exactly as String.prototype.isWellFormed says.
  for (const name of [...ACCEPTED, ...Object.values(REFUSED)]) {
    if (!name.isWellFormed()) assert.equal(isInstanceName(name), false, JSON.stringify(name));
  }
});

test('the server applies it: such a name on oauth/url falls back to the default; in POST /instances it is a 400', async () => {
  harness = await startHarness({ callbackPath: () => '/static/callback.html' });
  for (const name of ['\u202eevil.exe', '\u200b', 'a\u0085b']) {
    const browser = harness.browser();
    const started = await browser.startFlow('sfdc', `?name=${encodeURIComponent(name)}`);
    const { location } = await decide(await openConsent(started.json.oauthUrl), 'allow');
    const code = new URL(location).searchParams.get('code');
    const refused = await browser.postInstance({
      element: { key: 'sfdc' },
      providerData: { code },
      state: started.json.state,
      name,
    });
    assert.equal(refused.status, 400, JSON.stringify(name));
  }
  // A lone surrogate as JSON text (JSON.stringify would escape it the same way).
  const browser = harness.browser();
  const { state } = (await browser.startFlow('sfdc')).json;
  const body = `{"element":{"key":"sfdc"},"providerData":{"code":"abc"},"state":"${state}","name":"\\ud800"}`;
  assert.equal((await browser.postInstance(body)).status, 400);
  assert.equal(harness.instanceCalls().length, 0);
});

test('flow 4a: a refused name on oauth/url is not carried in the flow cookie; the default name is used', async () => {
  harness = await startHarness();
  const browser = harness.browser();
  const started = await browser.startFlow('sfdc', `?name=${encodeURIComponent('\u202eevil.exe')}`);
  const { location } = await decide(await openConsent(started.json.oauthUrl), 'allow');
  const result = pageResult((await browser.fetch(location)).body);
  assert.match(result.name, /^Salesforce \(/);
  assert.match(harness.sandbox.instances()[0].name, /^Salesforce \(/);
});
