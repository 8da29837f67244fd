// src/oauth-url.ts: the checks on the provider sign-in URL the backend returns and on the state it carries.
import { expect } from '@open-wc/testing';
import { ConnectError } from '../src/errors.js';
import { checkOAuthUrl, checkState } from '../src/oauth-url.js';

const STATE = 'a'.repeat(43);

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    return (error as ConnectError).code;
  }
}

describe('oauthUrl checks (docs/security.md A-1…A-6, A-11)', () => {
  const refused = [
    'javascript:alert(document.domain)',
    'JaVaScRiPt:alert(1)',
    ' javascript:alert(1)',
    '\u0000javascript:alert(1)',
    'java\tscript:alert(1)',
    'java\nscript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'blob:https://login.salesforce.com/x',
    'file:///etc/passwd',
    'vbscript:msgbox(1)',
    'about:blank#x',
    'chrome://settings',
    'intent://x',
    'http://login.salesforce.com/services/oauth2/authorize',
    'https://login.salesforce.com@evil.example/',
    'https://user:pw@login.salesforce.com/',
    'https://evil.example\\@login.salesforce.com/',
    '//evil.example/x',
    '/relative',
    'https://login.salesforce.com/?client_secret=s',
    'https://login.salesforce.com/?CLIENT_SECRET=s',
    'https://login.salesforce.com/?secret=s',
    'https://login.salesforce.com/?apiSecret=s',
    'https://login.salesforce.com/?clientSecret=s',
    'https://login.salesforce.com/?client-secret=s',
    'https://login.salesforce.com/a#client_secret=s',
    'https://login.salesforce.com/a#x',
    `https://login.salesforce.com/?x=${'a'.repeat(8200)}`,
  ];
  for (const url of refused) {
    it(`refuses ${JSON.stringify(url.slice(0, 60))}`, () => {
      expect(codeOf(() => checkOAuthUrl(url))).to.equal('invalid-oauth-url');
    });
  }

  for (const url of [
    'https://login.salesforce.com/services/oauth2/authorize?response_type=code&state=x',
    'http://127.0.0.1:9/authorize',
    'http://localhost:3000/a',
    'http://[::1]:3000/a',
  ]) {
    it(`accepts ${url}`, () => {
      expect(checkOAuthUrl(url).href).to.equal(new URL(url).href);
    });
  }
});

describe('state checks', () => {
  const url = (state?: string) => new URL(`https://p.example/a${state === undefined ? '' : `?state=${state}`}`);
  it('accepts ≥ 22 base64url characters, matching the URL when it has one', () => {
    expect(checkState(STATE, url())).to.equal(STATE);
    expect(checkState(STATE, url(STATE))).to.equal(STATE);
  });
  for (const [state, inUrl, what] of [
    [undefined, undefined, 'missing'],
    ['', undefined, 'empty'],
    ['sfdc', undefined, 'the element key'],
    ['a'.repeat(21), undefined, 'too short'],
    ['a'.repeat(30) + '+/=', undefined, 'not base64url'],
    [STATE, 'other', 'a different state in the URL'],
  ] as Array<[string | undefined, string | undefined, string]>) {
    it(`refuses a state that is ${what}`, () => {
      expect(codeOf(() => checkState(state, url(inUrl)))).to.equal('insecure-state');
    });
  }
  it('refuses a URL with two states', () => {
    expect(codeOf(() => checkState(STATE, new URL(`https://p.example/?state=${STATE}&state=${STATE}`)))).to.equal(
      'insecure-state',
    );
  });
});
