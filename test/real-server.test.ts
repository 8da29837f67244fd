// The widget against the real host backend: ce-connect/server's handler with the offline sandbox as Cloud
// Elements and provider (test/support/real-backend.mjs). Happy paths, the errors the server produces, and
// the security rules the server owns — with the real popup, the real callback page and real cookies.
import { expect, oneEvent } from '@open-wc/testing';
import { backendStats, held, mountOnRealBackend, type RealScenario, release } from './support/backend.js';
import { captureConsole, clickToCall, nextOutcome, realClick, waitUntil } from './support/helpers.js';
import { popupClosed, popupsOfEachTest } from './support/popups.js';

const busy = (el: HTMLElement) => el.shadowRoot!.querySelector('button')!.getAttribute('aria-busy');

/** Mounts a button on the real backend's `scenario` and clicks it for real: the button, the test id, the outcome. */
async function outcomeOfClick(scenario: RealScenario) {
  const { el, id } = await mountOnRealBackend(scenario);
  const outcome = nextOutcome(el);
  await realClick(el);
  const { type, detail } = await outcome;
  return { el, id, type, detail };
}

describe('the real server (ce-connect/server + sandbox)', () => {
  const watch = popupsOfEachTest();

  it('flow 4a: connected with the instance the server created; the instance name reaches Cloud Elements through the flow cookie', async () => {
    const { el, id } = await mountOnRealBackend('4a', '-', { 'instance-name': 'Acme CRM' });
    const connected = oneEvent(el, 'connected');
    await realClick(el);
    const { detail } = await connected;
    const { created, instances } = await backendStats(id);
    expect(created.map((c) => c.id)).to.deep.equal([detail.instanceId]);
    expect(detail).to.deep.equal({ element: 'sfdc', instanceId: created[0].id, name: 'Acme CRM' });
    expect(created[0].name).to.equal('Acme CRM');
    expect(instances).to.equal(0);
    await popupClosed(watch.popups[0]);
  });

  it('flow 4b: the static callback page relays the code, POST /instances creates the instance', async () => {
    const { el, id } = await mountOnRealBackend('4b', '-', { 'instance-name': 'Support desk' });
    const connected = oneEvent(el, 'connected');
    await realClick(el);
    const { detail } = await connected;
    const { created, instances } = await backendStats(id);
    expect(instances).to.equal(1);
    expect(detail).to.deep.equal({ element: 'sfdc', instanceId: created[0].id, name: 'Support desk' });
    expect(el.instanceId).to.equal(created[0].id);
    await popupClosed(watch.popups[0]);
  });

  it('flow 4a held at oauth/url, at the consent and at the callback: connecting and aria-busy at each step, then connected', async () => {
    const { el, id } = await mountOnRealBackend('4a', 'gate-url,gate-consent,gate-callback');
    const connected = oneEvent(el, 'connected');
    await realClick(el);
    for (const step of ['url', 'consent', 'callback'] as const) {
      await held(id, step);
      await el.updateComplete;
      expect(el.status, step).to.equal('connecting');
      expect(busy(el), step).to.equal('true');
      expect((await backendStats(id)).created, step).to.deep.equal([]);
      await release(id, step);
    }
    expect((await connected).detail.instanceId).to.equal((await backendStats(id)).created[0].id);
    expect(el.status).to.equal('connected');
    expect(busy(el)).to.equal('false');
  });

  it('flow 4b held at POST /instances: connecting while the exchange runs, then connected', async () => {
    const { el, id } = await mountOnRealBackend('4b', 'gate-instances');
    const connected = oneEvent(el, 'connected');
    await realClick(el);
    await held(id, 'instances');
    await el.updateComplete;
    expect(el.status).to.equal('connecting');
    expect((await backendStats(id)).created).to.deep.equal([]);
    await release(id, 'instances');
    await connected;
    expect((await backendStats(id)).created).to.have.length(1);
  });

  for (const scenario of ['4a-deny', '4b-deny'] as const) {
    it(`${scenario}: the user denies at the provider → provider-denied, no instance`, async () => {
      const { el, id, type, detail } = await outcomeOfClick(scenario);
      expect(type).to.equal('connect-error');
      expect(detail.code).to.equal('provider-denied');
      expect((await backendStats(id)).created).to.deep.equal([]);
      expect(el.status).to.equal('error');
      await popupClosed(watch.popups[0]);
    });
  }

  it('4a: Cloud Elements refuses to create the instance → exchange-failed, no instance', async () => {
    const { id, detail } = await outcomeOfClick('4a-xfail');
    expect(detail.code).to.equal('exchange-failed');
    expect((await backendStats(id)).created).to.deep.equal([]);
    await popupClosed(watch.popups[0]);
  });

  it("4b: Cloud Elements refuses to create the instance → exchange-failed with the server's status and message, not Cloud Elements' body", async () => {
    const { id, detail } = await outcomeOfClick('4b-xfail');
    expect(detail).to.deep.equal({
      element: 'sfdc',
      code: 'exchange-failed',
      message: 'Cloud Elements refused to create the instance',
      status: 502,
    });
    expect((await backendStats(id)).created).to.deep.equal([]);
  });

  it('Cloud Elements fails the oauth/url call → backend 502 with a generic message; the popup is closed before it navigated', async () => {
    const { id, detail } = await outcomeOfClick('burl');
    expect(detail).to.deep.equal({
      element: 'sfdc',
      code: 'backend',
      message: 'Cloud Elements answered with an error',
      status: 502,
    });
    await popupClosed(watch.popups[0]);
    expect((await backendStats(id)).providerRedirect).to.equal(null);
  });

  it('a page on another origin than the 4a callback URL is told so: backend 400 naming both origins, shown in the status line', async () => {
    const { el, detail } = await outcomeOfClick('4a-elsewhere');
    const callbackOrigin = location.origin.replace('127.0.0.1', 'localhost');
    expect(detail).to.include({ code: 'backend', status: 400 });
    expect(detail.message).to.equal(
      `This page is on ${location.origin}, but the callback URL is on ${callbackOrigin}: the sign-in could never come back to it. Open the page on ${callbackOrigin}, or register a callback URL on ${location.origin}.`,
    );
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('[part="status"]')!.textContent).to.equal(detail.message);
    await popupClosed(watch.popups[0]);
  });

  it("a replayed 4a callback (the same code and state again, with this browser's cookies) creates nothing and reports nothing", async () => {
    const { el, id } = await mountOnRealBackend('4a');
    const connected = oneEvent(el, 'connected');
    await realClick(el);
    await connected;
    const { providerRedirect } = await backendStats(id);
    expect(providerRedirect).to.match(/\/api\/real\/4a\/sfdc\/oauth\/callback\?code=/);
    const replay = await fetch(providerRedirect!, { credentials: 'same-origin' });
    expect(replay.status).to.be.oneOf([400, 409]);
    expect(await replay.text()).to.contain('<script type="application/json" id="ce-connect-result">null</script>');
    expect((await backendStats(id)).created).to.have.length(1);
  });

  it("a forged code posted with the flow's real state burns the state: exchange-failed, and the genuine answer after it creates nothing", async () => {
    const { el, id } = await mountOnRealBackend('4b', 'gate-consent');
    const outcome = nextOutcome(el);
    await realClick(el);
    await held(id, 'consent');
    const { state } = await backendStats(id);
    const channel = new BroadcastChannel(`ce-connect:${state}`);
    channel.postMessage({ type: 'ce-connect:callback', v: 1, state, code: 'forged-code' });
    channel.close();
    const { detail } = await outcome;
    expect(detail.code).to.equal('exchange-failed');
    expect(detail.status).to.equal(502);
    await release(id, 'consent');
    await waitUntil(async () => (await backendStats(id)).providerRedirect !== null, 'the provider answered');
    // The genuine code, replayed as the widget would post it: the state is already used.
    const code = new URL((await backendStats(id)).providerRedirect!).searchParams.get('code');
    const replay = await fetch(`/api/real/4b/${id}/-/instances`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CE-Connect': '1' },
      body: JSON.stringify({ element: { key: 'sfdc' }, providerData: { code }, state }),
    });
    expect(replay.status).to.be.oneOf([400, 409]);
    expect((await backendStats(id)).created).to.deep.equal([]);
  });

  it('requests without the CSRF header, or a POST that is not JSON, are refused with 403', async () => {
    const { id } = await mountOnRealBackend('4b');
    const noHeader = await fetch(`/api/real/4b/${id}/-/sfdc/oauth/url`, { headers: { Accept: 'application/json' } });
    expect(noHeader.status).to.equal(403);
    const formPost = await fetch(`/api/real/4b/${id}/-/instances`, {
      method: 'POST',
      headers: { 'X-CE-Connect': '1', 'Content-Type': 'text/plain' },
      body: '{}',
    });
    expect(formPost.status).to.equal(403);
    expect((await backendStats(id)).created).to.deep.equal([]);
  });

  it('the Element Token never reaches an event, the DOM, the status line or the console', async () => {
    const output = captureConsole();
    try {
      const { el, id } = await mountOnRealBackend('4b');
      const details: unknown[] = [];
      for (const type of ['connect-start', 'connected', 'connect-error', 'connect-cancel'])
        el.addEventListener(type, (e) => details.push((e as CustomEvent).detail));
      const { result } = await clickToCall(() => el.connect());
      const resolved = await result;
      const [{ token }] = (await backendStats(id)).created;
      expect(token).to.have.length.greaterThan(8);
      const everything = [
        JSON.stringify(details),
        JSON.stringify(resolved),
        document.documentElement.outerHTML,
        el.shadowRoot!.innerHTML,
        output.logged.join('\n'),
      ].join('\n');
      expect(everything).not.to.contain(token);
    } finally {
      output.restore();
    }
  });
});
