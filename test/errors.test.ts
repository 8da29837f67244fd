import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { CONNECT_ERROR_CODES, ConnectError, defineTexts, type CeConnectButton } from '../src/index.js';
import { backendStats, mountButton, uid } from './support/backend.js';
import { clickToCall, nextOutcome, realClick, waitUntil } from './support/helpers.js';
import { popupClosed, popupsOfEachTest } from './support/popups.js';

type Outcome = Awaited<ReturnType<typeof nextOutcome>>;

describe('every error code of docs/protocol.md §3.3, with a clean ending', () => {
  const watch = popupsOfEachTest();
  beforeEach(() => {
    delete (window as { __pwned?: number }).__pwned;
  });

  /** Clicks, expects `connect-error` with `code`, and checks the ending: popup closed, button usable again. */
  async function expectError(
    flags: string,
    code: string,
    attributes: Record<string, string> = {},
  ): Promise<{ outcome: Outcome; el: CeConnectButton; id: string }> {
    const { el, id } = await mountButton(flags, attributes);
    const outcome = nextOutcome(el);
    await realClick(el);
    const event = await outcome;
    expect(event.type).to.equal('connect-error');
    expect(event.detail.code).to.equal(code);
    expect(event.detail.element).to.equal('sfdc');
    expect(event.detail.message).to.be.a('string').and.not.empty;
    expect(el.status).to.equal('error');
    expect(el.getAttribute('status')).to.equal('error');
    for (const popup of watch.popups) await popupClosed(popup);
    expect(el.shadowRoot!.querySelector('button')!.disabled).to.equal(false);
    expect(el.shadowRoot!.querySelector('button')!.getAttribute('aria-busy')).to.equal('false');
    expect((window as { __pwned?: number }).__pwned).to.equal(undefined);
    return { outcome: event, el, id };
  }

  it('the codes are those of docs/protocol.md §3.3, in order', () => {
    expect(CONNECT_ERROR_CODES).to.deep.equal([
      'invalid-config',
      'popup-blocked',
      'network',
      'backend',
      'bad-response',
      'invalid-oauth-url',
      'insecure-state',
      'provider-denied',
      'provider-error',
      'invalid-callback',
      'exchange-failed',
      'timeout',
      'disconnect-failed',
    ]);
  });

  for (const element of [
    '',
    'SFDC',
    '../admin',
    'sfdc/../../x',
    'sfdc?x=1',
    '%2e%2e',
    '"><img src=x onerror=alert(1)>',
    'a'.repeat(65),
  ]) {
    it(`invalid-config: element ${JSON.stringify(element.slice(0, 20))} — no request, no popup`, async () => {
      const id = uid();
      const el = await fixture<CeConnectButton>(
        html`<ce-connect-button api-base="/api/t/${id}/allow"></ce-connect-button>`,
      );
      el.setAttribute('element', element);
      await el.updateComplete;
      const outcome = nextOutcome(el);
      await realClick(el);
      const event = await outcome;
      expect(event.type).to.equal('connect-error');
      expect(event.detail.code).to.equal('invalid-config');
      expect(watch.popups).to.have.length(0);
      expect((await backendStats(id)).oauthUrl).to.equal(0);
      expect(el.shadowRoot!.querySelector('img')).to.equal(null);
      expect(el.shadowRoot!.textContent).to.contain('Connect');
    });
  }

  for (const [name, value] of [
    ['api-base', 'javascript:alert(1)'],
    ['api-base', 'http://evil.example/api'],
    ['api-base', 'https://user:pw@evil.example/api'],
    ['callback-origin', '*'],
    ['callback-origin', 'https://app.example/path'],
    ['timeout', 'soon'],
    ['api-secret', 'sentinel-secret'],
    ['element-token', 'sentinel-token'],
  ]) {
    it(`invalid-config: ${name}=${JSON.stringify(value)}`, async () => {
      const { el, id } = await mountButton('allow', { [name]: value });
      const outcome = nextOutcome(el);
      await realClick(el);
      const event = await outcome;
      expect(event.detail.code).to.equal('invalid-config');
      expect(JSON.stringify(event.detail)).not.to.contain('sentinel');
      expect(watch.popups).to.have.length(0);
      expect((await backendStats(id)).oauthUrl).to.equal(0);
    });
  }

  // Hardening 8: the one instance-name rule (src/instance-name.ts), checked before the popup opens.
  for (const [what, name] of [
    ['a right-to-left override', '\u202eexe.pdf'],
    ['a lone surrogate', 'Acme \ud800'],
    ['only a zero-width space', '\u200b'],
    ['a C1 control', 'Acme\u0085CRM'],
    ['a line separator', 'Acme\u2028CRM'],
    ['201 code points', '\u{1f600}'.repeat(201)],
  ]) {
    it(`invalid-config: instance-name with ${what} — no popup, no backend request`, async () => {
      const { el, id } = await mountButton('allow', { 'instance-name': name });
      expect(el.instanceName).to.equal(name);
      const outcome = nextOutcome(el);
      await realClick(el);
      const event = await outcome;
      expect(event.detail.code).to.equal('invalid-config');
      expect(event.detail.message).to.contain('instance-name');
      expect(watch.popups).to.have.length(0);
      expect((await backendStats(id)).oauthUrl).to.equal(0);
    });
  }

  it('network: the backend cannot be reached', async () => {
    await expectError('allow', 'network', { 'api-base': 'http://127.0.0.1:9/api/ce' });
  });

  it('backend: a non-2xx answer carries the status and the JSON message, shown as text', async () => {
    const { outcome, el } = await expectError('b500', 'backend');
    expect(outcome.detail.status).to.equal(500);
    expect(outcome.detail.message).to.equal('<img src=x onerror="window.__pwned=1">Cloud Elements is down');
    const status = el.shadowRoot!.querySelector('[part="status"]')!;
    expect(status.textContent).to.contain('<img src=x');
    expect(el.shadowRoot!.querySelector('img')).to.equal(null);
  });

  it('backend: a 401 keeps its status and message (the host can send the user to sign in)', async () => {
    const { outcome } = await expectError('b401', 'backend');
    expect(outcome.detail).to.include({ status: 401, message: 'Please sign in again.' });
  });

  for (const [flags, what] of [
    ['bhtml', 'an HTML page with 200'],
    ['bredirect', 'a redirect to a login page'],
    ['belement', 'another element'],
    ['barray', 'an oauthUrl that is not a string'],
    ['bhuge', 'a JSON body over 64 KB'],
    ['bdeep', 'deeply nested JSON'],
  ]) {
    it(`bad-response: ${what}`, async () => {
      await expectError(flags, 'bad-response');
    });
  }

  for (const [flags, what] of [
    ['bjs', 'a javascript: URL'],
    ['bhttp', 'plain http to a remote host'],
    ['bsecret', 'a client_secret parameter'],
    ['buser', 'user-info'],
  ]) {
    it(`invalid-oauth-url: ${what} — the popup is never pointed at it`, async () => {
      const { outcome } = await expectError(flags, 'invalid-oauth-url');
      expect(outcome.detail.message).not.to.contain('sentinel');
    });
  }

  for (const [flags, what] of [
    ['bshort', 'the documented "state=sfdc"'],
    ['bmismatch', 'a state that differs from the one in the oauthUrl'],
    ['bnostate', 'no state'],
  ]) {
    it(`insecure-state: ${what}`, async () => {
      await expectError(flags, 'insecure-state');
    });
  }

  it('provider-denied: the user clicked Deny (flow 4b); no instance is created', async () => {
    const { id } = await expectError('deny', 'provider-denied');
    expect((await backendStats(id)).instances).to.equal(0);
  });

  it('provider-denied: the user clicked Deny (flow 4a)', async () => {
    await expectError('deny,4a', 'provider-denied');
  });

  it('provider-error: another provider error; its description is shown as text only', async () => {
    const { outcome, el } = await expectError('perr', 'provider-error');
    expect(outcome.detail.message).to.contain('Provider down');
    expect(el.shadowRoot!.querySelector('img')).to.equal(null);
  });

  it('exchange-failed: POST /instances fails (flow 4b), with the status and message', async () => {
    const { outcome } = await expectError('xfail', 'exchange-failed');
    expect(outcome.detail.status).to.equal(502);
    expect(outcome.detail.message).to.equal('Cloud Elements refused to create the instance');
  });

  it('exchange-failed: the callback page reports an exchange error (flow 4a)', async () => {
    await expectError('xfail,4a', 'exchange-failed');
  });

  it('timeout: no result in time; the popup is closed', async () => {
    await expectError('hold', 'timeout', { timeout: '400' });
  });

  it('timeout: a backend that never answers', async () => {
    await expectError('bhang', 'timeout', { timeout: '300' });
  });

  it('after an error a new click starts a fresh flow', async () => {
    const { el, id } = await expectError('deny', 'provider-denied');
    const outcome = nextOutcome(el);
    await realClick(el);
    expect((await outcome).detail.code).to.equal('provider-denied');
    expect((await backendStats(id)).oauthUrl).to.equal(2);
  });

  it('connect() rejects with the same ConnectError the event carries', async () => {
    const { el } = await mountButton('b500');
    const errored = oneEvent(el, 'connect-error');
    const { result } = await clickToCall(() => el.connect());
    const error = await result.catch((e: unknown) => e);
    const { detail } = await errored;
    expect(error).to.be.instanceOf(ConnectError);
    expect(error).to.include({ code: 'backend', status: 500, message: detail.message });
  });
});

describe('a page whose Object.prototype is polluted', () => {
  popupsOfEachTest();
  afterEach(() => {
    delete (Object.prototype as { instanceId?: string }).instanceId;
  });

  it('an inherited instanceId never turns a failure into connected', async () => {
    const { el } = await mountButton('deny');
    (Object.prototype as { instanceId?: string }).instanceId = '666';
    const outcome = nextOutcome(el);
    await realClick(el);
    const event = await outcome;
    expect(event.type).to.equal('connect-error');
    expect(event.detail.code).to.equal('provider-denied');
    expect(el.status).to.equal('error');
  });

  it("defineTexts('__proto__', …) writes nothing to Object.prototype, and inherited texts are never shown", async () => {
    defineTexts('__proto__', { connect: 'polluted' });
    expect(({} as { connect?: string }).connect).to.equal(undefined);
    const el = await fixture<CeConnectButton>(html`<ce-connect-button element="unknown-key"></ce-connect-button>`);
    expect(el.shadowRoot!.querySelector('slot')!.textContent!.trim()).to.equal('Connect');
  });
});

describe('an api-base on another origin', () => {
  it("a fetch the browser refuses (no CORS answer) is network, saying the backend may have refused this page's origin", async () => {
    const other = `http://localhost:${location.port}/api/t/${uid()}/allow`;
    const { el } = await mountButton('allow', { 'api-base': other });
    let failure: unknown;
    await clickToCall(() => el.connect().catch((error: unknown) => (failure = error)));
    await waitUntil(() => failure, 'connect() should reject');
    expect(failure).to.include({
      code: 'network',
      message: "The backend refused this page's origin, or could not be reached.",
    });
  });

  it('the same origin keeps the plain network text', async () => {
    expect(new ConnectError('network').message).to.equal('Could not reach the server.');
  });
});
