// Redirect and auto modes (docs/protocol.md, "Redirect mode"): the host page lives in a frame (or a window) of
// this test page, because a redirect-mode flow navigates the whole page to the provider and back. A frame shares
// this page's sessionStorage (one tab); a window opened by the test has its own (another tab).
import { expect } from '@open-wc/testing';
import { sendMouse } from '@web/test-runner-commands';
import type { CeConnectButton } from '../src/index.js';
import { backendStats, held, release, uid } from './support/backend.js';
import { clickToCall, waitUntil } from './support/helpers.js';

const PENDING_KEY = 'ce-connect:pending';

interface HostMessage {
  source: 'redirect-host';
  kind: 'ready' | 'event';
  name?: string;
  detail?: Record<string, unknown>;
  href: string;
  loadedAt?: string;
  popups?: number;
}

interface Host {
  /** The window the host page lives in: a frame's, or a window the test opened. */
  win: () => Window;
  messages: HostMessage[];
  /** Resolves with the `count`-th message that matches (1 = the first). */
  next(kind: 'ready' | 'event', name?: string, count?: number): Promise<HostMessage>;
  button(): CeConnectButton;
  close(): void;
}

const hosts: Host[] = [];
afterEach(() => {
  for (const host of hosts.splice(0)) host.close();
  sessionStorage.removeItem(PENDING_KEY);
});

function hostUrl(attributes: Record<string, string>, fragment = ''): string {
  return `/test/fixtures/redirect-host.html?${new URLSearchParams(attributes)}${fragment}`;
}

/** Collects the host page's reports; round trips through the provider get a generous bound on a loaded machine. */
function watchHost(win: () => Window, close: () => void): Host {
  const messages: HostMessage[] = [];
  const onMessage = (event: MessageEvent) => {
    if (event.source === win() && event.origin === location.origin && event.data?.source === 'redirect-host')
      messages.push(event.data);
  };
  addEventListener('message', onMessage);
  const host: Host = {
    win,
    messages,
    async next(kind, name, count = 1) {
      const matching = () => messages.filter((m) => m.kind === kind && (!name || m.name === name));
      await waitUntil(() => matching().length >= count, `the host page should report ${kind} ${name ?? ''} #${count}`, {
        timeout: 8000,
      });
      return matching()[count - 1];
    },
    button: () => win().document.querySelector('ce-connect-button') as CeConnectButton,
    close() {
      removeEventListener('message', onMessage);
      close();
    },
  };
  hosts.push(host);
  return host;
}

/** A host page in a frame of this page: the same tab, so the same sessionStorage. */
function frameHost(attributes: Record<string, string>, fragment = ''): Host {
  const frame = document.createElement('iframe');
  frame.style.cssText = 'width: 400px; height: 120px; border: 0';
  frame.src = hostUrl(attributes, fragment);
  document.body.append(frame);
  return watchHost(
    () => frame.contentWindow!,
    () => frame.remove(),
  );
}

/** What the callback route or script puts after `#ce-connect=`: base64url of the JSON fields. */
function fragmentOf(fields: Record<string, string>): string {
  return `#ce-connect=${btoa(JSON.stringify(fields)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`;
}

const aState = () => crypto.randomUUID().replace(/-/g, '') + 'abcdefghij';
const pending = () => JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? 'null');

/** Lets the host page's button settle: a valid returned result would have been reported by now. */
async function settled(host: Host): Promise<void> {
  await host.button().updateComplete;
  await new Promise((resolve) => host.win().setTimeout(resolve));
  await host.button().updateComplete;
}

/** A click on the inner button, without a user gesture. */
function clickIn(host: Host): void {
  host.button().shadowRoot!.querySelector('button')!.click();
}

/** A real click on the button inside the host frame (a user gesture there). */
async function realClickInFrame(host: Host): Promise<void> {
  const frame = [...document.querySelectorAll('iframe')].find((f) => f.contentWindow === host.win())!;
  const inner = host.button().shadowRoot!.querySelector('button')!.getBoundingClientRect();
  const box = frame.getBoundingClientRect();
  await sendMouse({
    type: 'click',
    position: [Math.round(box.x + inner.x + inner.width / 2), Math.round(box.y + inner.y + inner.height / 2)],
  });
  await sendMouse({ type: 'move', position: [0, 0] });
}

describe('redirect mode', () => {
  it('flow 4a: records the flow, fires connect-redirect, leaves, and comes back connected with the fragment gone at once', async () => {
    const id = uid();
    const host = frameHost({ 'api-base': `/api/t/${id}/4a,gate-consent`, mode: 'redirect' });
    const ready = await host.next('ready');
    clickIn(host);
    await held(id, 'consent');
    // Held at the provider: the page has left, and this tab knows which flow it left for.
    const redirect = await host.next('event', 'connect-redirect');
    expect(redirect.detail).to.deep.equal({ element: 'sfdc' });
    expect(redirect.popups).to.equal(0);
    const stats = await backendStats(id);
    expect(stats.mode).to.equal('redirect');
    expect(stats.returnUrl).to.equal(ready.href);
    const record = pending();
    expect(Object.keys(record).sort()).to.deep.equal(['element', 'returnUrl', 'startedAt', 'state']);
    expect(record).to.include({ state: stats.state, element: 'sfdc', returnUrl: ready.href });
    await release(id, 'consent');
    const back = await host.next('ready', undefined, 2);
    expect(back.loadedAt).to.match(/#ce-connect=[\w-]+$/);
    expect(back.href).to.equal(ready.href);
    const connected = await host.next('event', 'connected');
    expect(connected.detail).to.deep.equal({
      element: 'sfdc',
      instanceId: connected.detail!.instanceId,
      name: 'sfdc (4a)',
    });
    expect(connected.detail!.instanceId).to.match(/^\d+$/);
    expect(connected.href).to.equal(ready.href);
    expect(host.button().status).to.equal('connected');
    expect(host.button().instanceId).to.equal(connected.detail!.instanceId);
    expect(pending()).to.equal(null);
    expect(host.messages.filter((m) => m.name === 'connect-start')).to.have.length(1);
  });

  it('flow 4b: the callback page goes back with the code, and the button creates the instance', async () => {
    const id = uid();
    const host = frameHost({ 'api-base': `/api/t/${id}/gate-instances`, mode: 'redirect' });
    const ready = await host.next('ready');
    clickIn(host);
    const back = await host.next('ready', undefined, 2);
    // A bare marker: the code came through this tab's sessionStorage, never in a URL of the app page.
    expect(back.loadedAt).to.match(/#ce-connect=$/);
    expect(back.href).to.equal(ready.href);
    await held(id, 'instances');
    // Held at POST /instances: the button is busy, and the code is nowhere in the address bar.
    expect(host.button().status).to.equal('connecting');
    expect(host.win().location.href).to.equal(ready.href);
    await release(id, 'instances');
    const connected = await host.next('event', 'connected');
    expect(connected.detail).to.include({ element: 'sfdc', name: 'sfdc (4b)' });
    expect((await backendStats(id)).instances).to.equal(1);
    expect(pending()).to.equal(null);
  });

  it('flow 4b: realmId reaches POST /instances, and the code is in no URL of the app page (location, history, navigation timing)', async () => {
    const id = uid();
    const host = frameHost({ 'api-base': `/api/t/${id}/realm,gate-instances`, mode: 'redirect' });
    await host.next('ready');
    clickIn(host);
    const back = await host.next('ready', undefined, 2);
    await held(id, 'instances');
    const win = host.win();
    expect(win.sessionStorage.getItem('ce-connect:result'), 'taken once and deleted').to.equal(null);
    await release(id, 'instances');
    await host.next('event', 'connected');
    const { instanceBody } = await backendStats(id);
    const code = instanceBody!.providerData!.code;
    expect(code).to.match(/^code-/);
    expect(instanceBody!.providerData!.realmId).to.equal('9130357');
    const urls = [
      back.loadedAt!,
      back.href,
      win.location.href,
      win.document.URL,
      win.document.referrer,
      JSON.stringify(win.history.state),
      ...win.performance.getEntriesByType('navigation').map((entry) => entry.name),
    ];
    for (const url of urls) expect(url).not.to.contain(code);
    // Nothing code-bearing in any encoding either: the fragment is a bare marker.
    expect(back.loadedAt).to.match(/#ce-connect=$/);
  });

  it('a reconnect goes and comes back for its instance', async () => {
    const id = uid();
    const host = frameHost({ 'api-base': `/api/t/${id}/4a,gate-consent`, mode: 'redirect', 'instance-id': '777' });
    await host.next('ready');
    clickIn(host);
    await held(id, 'consent');
    expect(pending()).to.include({ instance: '777' });
    expect((await backendStats(id)).instanceParam).to.equal('777');
    await release(id, 'consent');
    const connected = await host.next('event', 'connected');
    expect(connected.detail).to.deep.equal({
      element: 'sfdc',
      instanceId: '777',
      name: 'sfdc (4a)',
      reconnected: true,
    });
  });

  it('a cancelled connect-redirect keeps the page: connect-cancel aborted, and no record', async () => {
    const id = uid();
    const host = frameHost({ 'api-base': `/api/t/${id}/4a`, mode: 'redirect', prevent: '1' });
    await host.next('ready');
    clickIn(host);
    const cancel = await host.next('event', 'connect-cancel');
    expect(cancel.detail).to.deep.equal({ element: 'sfdc', reason: 'aborted' });
    expect(pending()).to.equal(null);
    expect(host.button().status).to.equal('idle');
    expect(host.messages.filter((m) => m.kind === 'ready')).to.have.length(1);
  });

  it('a return URL the backend refuses is invalid-config, with its message, before anything leaves', async () => {
    const id = uid();
    const host = frameHost({ 'api-base': `/api/t/${id}/retbad`, mode: 'redirect' });
    await host.next('ready');
    clickIn(host);
    const error = await host.next('event', 'connect-error');
    expect(error.detail).to.deep.equal({
      element: 'sfdc',
      code: 'invalid-config',
      message: 'This page may not receive sign-in results.',
      status: 400,
    });
    expect(pending()).to.equal(null);
    expect(host.messages.filter((m) => m.name === 'connect-redirect')).to.have.length(0);
  });

  it('a denial at the provider comes back as provider-denied', async () => {
    const id = uid();
    const host = frameHost({ 'api-base': `/api/t/${id}/4a,deny`, mode: 'redirect' });
    await host.next('ready');
    clickIn(host);
    const error = await host.next('event', 'connect-error');
    expect(error.detail).to.include({ element: 'sfdc', code: 'provider-denied' });
    expect(host.messages.filter((m) => m.kind === 'ready')).to.have.length(2);
    expect(pending()).to.equal(null);
  });

  it('an unknown mode is invalid-config', async () => {
    const host = frameHost({ 'api-base': `/api/t/${uid()}/4a`, mode: 'tab' });
    await host.next('ready');
    clickIn(host);
    expect((await host.next('event', 'connect-error')).detail).to.deep.equal({
      element: 'sfdc',
      code: 'invalid-config',
      message: 'Invalid "mode".',
    });
  });
});

describe('redirect mode: what comes back is checked', () => {
  const record = (state: string, extra: Record<string, unknown> = {}) =>
    sessionStorage.setItem(
      PENDING_KEY,
      JSON.stringify({ state, element: 'sfdc', returnUrl: 'ignored', startedAt: Date.now(), ...extra }),
    );

  it('a fragment with the pending state completes once; the same address again does nothing', async () => {
    const state = aState();
    record(state);
    const fragment = fragmentOf({ state, instanceId: '4242', name: 'Returned' });
    const first = frameHost({ mode: 'redirect' }, fragment);
    const ready = await first.next('ready');
    expect(ready.href).not.to.contain('#');
    expect((await first.next('event', 'connected')).detail).to.deep.equal({
      element: 'sfdc',
      instanceId: '4242',
      name: 'Returned',
    });
    expect(pending()).to.equal(null);
    const replay = frameHost({ mode: 'redirect' }, fragment);
    await replay.next('ready');
    await settled(replay);
    expect(replay.messages.filter((m) => m.kind === 'event')).to.have.length(0);
    expect(replay.button().status).to.equal('idle');
  });

  it('a button misconfigured since it left says so when its result comes back (invalid-config), rather than nothing', async () => {
    const state = aState();
    record(state);
    const host = frameHost(
      { mode: 'redirect', 'api-base': 'ftp://elsewhere.example/api' },
      fragmentOf({ state, instanceId: '4242' }),
    );
    const error = await host.next('event', 'connect-error');
    expect(error.detail).to.deep.equal({ element: 'sfdc', code: 'invalid-config', message: 'Invalid "api-base".' });
    expect(host.button().status).to.equal('error');
    expect(pending()).to.equal(null);
  });

  it('a crafted fragment without a pending record does nothing, and leaves the address bar at once', async () => {
    const host = frameHost({ mode: 'redirect' }, fragmentOf({ state: aState(), instanceId: '666' }));
    const ready = await host.next('ready');
    expect(ready.loadedAt).to.contain('#ce-connect=');
    expect(ready.href).not.to.contain('#');
    await settled(host);
    expect(host.messages.filter((m) => m.kind === 'event')).to.have.length(0);
    expect(host.button().instanceId).to.equal('');
  });

  it('a fragment with another state is ignored, and the record stays for its own flow', async () => {
    const state = aState();
    record(state);
    const host = frameHost({ mode: 'redirect' }, fragmentOf({ state: aState(), instanceId: '666' }));
    await host.next('ready');
    await settled(host);
    expect(host.messages.filter((m) => m.kind === 'event')).to.have.length(0);
    expect(pending()).to.include({ state });
  });

  it('a code in a crafted fragment is never exchanged without the pending state', async () => {
    const id = uid();
    record(aState());
    const host = frameHost(
      { 'api-base': `/api/t/${id}/xany`, mode: 'redirect' },
      fragmentOf({ state: aState(), code: 'attacker-code' }),
    );
    await host.next('ready');
    await settled(host);
    expect(host.messages.filter((m) => m.kind === 'event')).to.have.length(0);
    expect((await backendStats(id)).instances).to.equal(0);
  });

  it('a record older than the timeout is dropped', async () => {
    const state = aState();
    record(state, { startedAt: Date.now() - 60_000 });
    const host = frameHost({ mode: 'redirect', timeout: '30000' }, fragmentOf({ state, instanceId: '4242' }));
    await host.next('ready');
    await settled(host);
    expect(host.messages.filter((m) => m.kind === 'event')).to.have.length(0);
    expect(pending()).to.equal(null);
  });

  it("a result for another element's or instance's button is left alone", async () => {
    const state = aState();
    record(state, { element: 'hubspot' });
    const host = frameHost({ mode: 'redirect' }, fragmentOf({ state, instanceId: '4242' }));
    await host.next('ready');
    await settled(host);
    expect(host.messages.filter((m) => m.kind === 'event')).to.have.length(0);
    expect(pending()).to.include({ state });
    record(state, { instance: '77' });
    const other = frameHost({ mode: 'redirect', 'instance-id': '78' }, fragmentOf({ state, instanceId: '77' }));
    await other.next('ready');
    await settled(other);
    expect(other.messages.filter((m) => m.kind === 'event')).to.have.length(0);
  });

  it('a malformed fragment (not base64url JSON, or not a callback message) does nothing', async () => {
    const state = aState();
    record(state);
    for (const fragment of [
      '#ce-connect=%%%',
      '#ce-connect=bm90IGpzb24',
      fragmentOf({ state, instanceId: 'has space' }),
      fragmentOf({ state, instanceId: '1', extra: 'x' }),
    ]) {
      const host = frameHost({ mode: 'redirect' }, fragment);
      await host.next('ready');
      await settled(host);
      expect(
        host.messages.filter((m) => m.kind === 'event'),
        fragment,
      ).to.have.length(0);
    }
  });

  it('two tabs with pending flows do not mix: each takes only its own result', async () => {
    const mine = aState();
    record(mine);
    // Another tab: a window of its own, with its own sessionStorage and its own pending flow.
    let tab: Window | null = null;
    // Watching first: the new tab may report `ready` before the click's round trip returns.
    const other = watchHost(
      () => tab!,
      () => tab?.close(),
    );
    await clickToCall(() => (tab = window.open('/test/fixtures/redirect-host.html?mode=redirect', '_blank')));
    expect(tab, 'the test opens a second tab').not.to.equal(null);
    await other.next('ready');
    const theirs = aState();
    tab!.sessionStorage.setItem(
      PENDING_KEY,
      JSON.stringify({ state: theirs, element: 'sfdc', returnUrl: 'ignored', startedAt: Date.now() }),
    );
    // This tab's result arriving in the other tab is ignored there… (`load` makes each a new page load, as a
    // redirect back is, not a move within the page.)
    tab!.location.href = hostUrl({ mode: 'redirect', load: '2' }, fragmentOf({ state: mine, instanceId: '1' }));
    await other.next('ready', undefined, 2);
    await settled(other);
    expect(other.messages.filter((m) => m.kind === 'event')).to.have.length(0);
    expect(JSON.parse(tab!.sessionStorage.getItem(PENDING_KEY)!)).to.include({ state: theirs });
    expect(pending()).to.include({ state: mine });
    // …and each tab's own result completes there.
    tab!.location.href = hostUrl({ mode: 'redirect', load: '3' }, fragmentOf({ state: theirs, instanceId: '2' }));
    expect((await other.next('event', 'connected')).detail).to.include({ instanceId: '2' });
    const here = frameHost({ mode: 'redirect' }, fragmentOf({ state: mine, instanceId: '1' }));
    expect((await here.next('event', 'connected')).detail).to.include({ instanceId: '1' });
  });
});

describe('auto mode', () => {
  it('a refused popup goes on in redirect mode, in the same click', async () => {
    const id = uid();
    const host = frameHost({ 'api-base': `/api/t/${id}/4a`, mode: 'auto' });
    await host.next('ready');
    // A click without a user gesture: the browser's real popup blocker refuses window.open.
    clickIn(host);
    const redirect = await host.next('event', 'connect-redirect');
    expect(redirect.popups).to.equal(0);
    expect((await host.next('event', 'connected')).detail).to.include({ element: 'sfdc', name: 'sfdc (4a)' });
    expect(host.messages.filter((m) => m.kind === 'event').map((m) => m.name)).to.deep.equal([
      'connect-start',
      'connect-redirect',
      'connected',
    ]);
  });

  it('in a known in-app browser it goes straight to redirect mode, even with a user gesture', async () => {
    const id = uid();
    const ua =
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 300.0.0.0';
    const host = frameHost({ 'api-base': `/api/t/${id}/4a`, mode: 'auto', ua });
    await host.next('ready');
    await realClickInFrame(host);
    const redirect = await host.next('event', 'connect-redirect');
    expect(redirect.popups).to.equal(0);
    expect((await host.next('event', 'connected')).detail).to.include({ element: 'sfdc' });
  });

  it('with a user gesture it uses a popup, and the page stays', async () => {
    const id = uid();
    const host = frameHost({ 'api-base': `/api/t/${id}/4a`, mode: 'auto' });
    await host.next('ready');
    await realClickInFrame(host);
    const connected = await host.next('event', 'connected');
    expect(connected.popups).to.equal(1);
    expect(host.messages.filter((m) => m.kind === 'ready')).to.have.length(1);
    expect(host.messages.filter((m) => m.name === 'connect-redirect')).to.have.length(0);
    expect((await backendStats(id)).mode).to.equal(undefined);
  });

  it('mode="popup" still ends in popup-blocked where the popup is refused', async () => {
    const host = frameHost({ 'api-base': `/api/t/${uid()}/4a`, mode: 'popup' });
    await host.next('ready');
    clickIn(host);
    expect((await host.next('event', 'connect-error')).detail).to.include({ code: 'popup-blocked' });
    expect(pending()).to.equal(null);
  });
});

describe('redirect mode on the real server (ce-connect/server and the sandbox)', () => {
  for (const scenario of ['4a', '4b']) {
    it(`flow ${scenario}: goes and comes back connected, with no token or code in the page`, async () => {
      const id = uid();
      const host = frameHost({ 'api-base': `/api/real/${scenario}/${id}/-`, mode: 'redirect' });
      const ready = await host.next('ready');
      clickIn(host);
      const connected = await host.next('event', 'connected');
      const { created, providerRedirect } = await backendStats(id);
      expect(created).to.have.length(1);
      expect(connected.detail).to.deep.equal({ element: 'sfdc', instanceId: created[0].id, name: created[0].name });
      expect(host.win().location.href).to.equal(ready.href);
      expect(host.win().document.documentElement.outerHTML).not.to.contain(created[0].token);
      if (providerRedirect)
        expect(host.win().location.href).not.to.contain(new URL(providerRedirect).searchParams.get('code') ?? '-');
      expect(pending()).to.equal(null);
    });
  }

  it('a denial comes back as provider-denied, and nothing is created', async () => {
    const id = uid();
    const host = frameHost({ 'api-base': `/api/real/4a-deny/${id}/-`, mode: 'redirect' });
    await host.next('ready');
    clickIn(host);
    expect((await host.next('event', 'connect-error')).detail).to.include({ element: 'sfdc', code: 'provider-denied' });
    expect((await backendStats(id)).created).to.have.length(0);
  });
});

describe('redirect mode: back from the provider', () => {
  it('a page shown again from the back-forward cache is not left connecting: connect-cancel aborted, the button usable', async () => {
    const id = uid();
    const host = frameHost({ 'api-base': `/api/t/${id}/4a,gate-consent`, mode: 'redirect' });
    await host.next('ready');
    const win = host.win();
    clickIn(host);
    await host.next('event', 'connect-redirect');
    // The provider holds its answer, so this document is still the frame's: show it again as Back would.
    await held(id, 'consent');
    expect(host.win().document, 'the held navigation has not replaced the page').to.equal(win.document);
    win.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
    const cancel = await host.next('event', 'connect-cancel');
    expect(cancel.detail).to.deep.equal({ element: 'sfdc', reason: 'aborted' });
    expect(host.button().status).to.equal('idle');
    expect(pending()).to.include({ element: 'sfdc' });
  });
});

describe('redirect mode: a page that does not leave', () => {
  it('"Stay" at a beforeunload prompt (a navigation that never happens): connect-cancel aborted, the button usable again', async () => {
    const { leaving } = await import('../src/redirect.js');
    const { _assign: assign, _stayGrace: grace } = leaving;
    const assigned: string[] = [];
    // The one branch where the navigation is replaced: the browser kept the page.
    leaving._assign = (url: string) => void assigned.push(url);
    leaving._stayGrace = 50;
    const id = uid();
    const wrapper = document.createElement('div');
    wrapper.innerHTML = `<ce-connect-button element="sfdc" mode="redirect" api-base="/api/t/${id}/allow"></ce-connect-button>`;
    document.body.append(wrapper);
    const el = wrapper.firstElementChild as CeConnectButton;
    try {
      await el.updateComplete;
      const events: string[] = [];
      for (const name of ['connect-redirect', 'connect-cancel', 'connect-error', 'connected'])
        el.addEventListener(name, (event) => events.push(`${name}:${(event as CustomEvent).detail.reason ?? ''}`));
      el.shadowRoot!.querySelector('button')!.click();
      await waitUntil(() => events.includes('connect-cancel:aborted'), 'the flow ends as a cancel');
      expect(assigned).to.have.length(1);
      expect(events).to.deep.equal(['connect-redirect:', 'connect-cancel:aborted']);
      await el.updateComplete;
      expect(el.status).to.equal('idle');
      expect(el.shadowRoot!.querySelector('button')!.getAttribute('aria-busy')).to.equal('false');
    } finally {
      leaving._assign = assign;
      leaving._stayGrace = grace;
      wrapper.remove();
      sessionStorage.removeItem(PENDING_KEY);
    }
  });
});
