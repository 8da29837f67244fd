// Re-entrancy, late results, refused starts, removed attributes and other edges where a flow could be lost,
// leak, or report twice.
import { expect, oneEvent } from '@open-wc/testing';
import { ConnectError } from '../src/index.js';
import { backendStats, held, mountButton, release } from './support/backend.js';
import { captureConsole, clickToCall, nextOutcome, realClick, waitUntil } from './support/helpers.js';
import { popupClosed, popupsOfEachTest } from './support/popups.js';
import { resourcesOfEachTest } from './support/leaks.js';

const none = { listeners: 0, intervals: 0, timeouts: 0, channels: 0 };
const message = (state: string, extra: Record<string, unknown>) => ({
  type: 'ce-connect:callback',
  v: 1,
  state,
  ...extra,
});

describe('edge cases', () => {
  const resources = resourcesOfEachTest();
  const watch = popupsOfEachTest();
  /** The events `el` fires from now on, in a list of this test's own (a previous test's late event never lands here). */
  const record = (el: HTMLElement) => {
    const events: string[] = [];
    for (const type of ['connect-start', 'connected', 'connect-error', 'connect-cancel'])
      el.addEventListener(type, () => events.push(type));
    return events;
  };

  /** A flow whose popup the user closed: it has reported popup-closed and waits for a late result. */
  async function lingering(flags = 'hold') {
    const mounted = await mountButton(flags, { 'closed-grace': '50' });
    const events = record(mounted.el);
    await realClick(mounted.el);
    await waitUntil(() => resources.held().listeners === 1, 'the flow listens');
    const { state } = await backendStats(mounted.id);
    const cancelled = oneEvent(mounted.el, 'connect-cancel');
    watch.popups[0].close();
    await cancelled;
    return { ...mounted, events, state: state! };
  }

  it('connect() from a connect-cancel listener (a "retry" after cancel()) runs to its own terminal event', async () => {
    const { el } = await mountButton('hold');
    const events = record(el);
    await realClick(el);
    await waitUntil(() => resources.held().listeners === 1);
    el.setAttribute('api-base', el.apiBase.replace('/hold', '/allow'));
    let retry: Promise<unknown> | undefined;
    el.addEventListener('connect-cancel', () => (retry = el.connect().catch((e: unknown) => e)), { once: true });
    // cancel() from a real click, so the retry's window.open has a user gesture
    await clickToCall(() => el.cancel());
    const detail = (await retry) as { instanceId?: string };
    expect(detail.instanceId, JSON.stringify(detail)).to.match(/^\d+$/);
    expect(events).to.deep.equal(['connect-start', 'connect-cancel', 'connect-start', 'connected']);
    expect(el.status).to.equal('connected');
    expect(resources.held()).to.deep.equal(none);
  });

  it('connect() from a connect-start listener does not start a second flow', async () => {
    const { el, id } = await mountButton('allow');
    const events = record(el);
    let inner: Promise<unknown> | undefined;
    el.addEventListener('connect-start', () => (inner ??= el.connect()), { once: true });
    const { result: outer } = await clickToCall(() => el.connect());
    expect(await outer).to.deep.equal(await inner);
    expect(watch.popups).to.have.length(1);
    expect((await backendStats(id)).oauthUrl).to.equal(1);
    expect(events).to.deep.equal(['connect-start', 'connect-start', 'connected']);
  });

  it('a refused start leaves a flow waiting for a late result alone, and removal then releases it', async () => {
    const { el, id } = await lingering();
    el.addEventListener('connect-start', (event) => event.preventDefault(), { once: true });
    await realClick(el);
    expect(resources.held()).to.deep.equal({ listeners: 1, intervals: 1, timeouts: 0, channels: 1 });
    el.remove();
    await waitUntil(() => resources.held().listeners === 0, 'removal releases the late-result wait');
    expect(resources.held()).to.deep.equal(none);
    expect((await backendStats(id)).instances).to.equal(0);
  });

  it('a late 4b result after popup-closed: the exchange runs to connected, and a click meanwhile does not abort it', async () => {
    const { el, id, events, state } = await lingering('hold,gate-instances,xany');
    const channel = new BroadcastChannel(`ce-connect:${state}`);
    const connected = oneEvent(el, 'connected');
    channel.postMessage(message(state, { code: 'late-code' }));
    channel.close();
    // POST /instances is held: the exchange is running, and a click now must not supersede it.
    await held(id, 'instances');
    await el.updateComplete;
    expect(el.status).to.equal('connecting');
    await realClick(el); // focuses (nothing to focus) — must not supersede the running exchange
    expect(el.status).to.equal('connecting');
    expect(events).to.deep.equal(['connect-start', 'connect-cancel']);
    await release(id, 'instances');
    expect((await connected).detail.instanceId).to.match(/^\d+$/);
    expect((await backendStats(id)).oauthUrl).to.equal(1);
    expect(events).to.deep.equal(['connect-start', 'connect-cancel', 'connected']);
    expect(resources.held()).to.deep.equal(none);
  });

  it('a late result that fails after popup-closed stays quiet: no second terminal event, the button is idle', async () => {
    const { el, id, events, state } = await lingering('hold,xfail,gate-instances');
    const channel = new BroadcastChannel(`ce-connect:${state}`);
    channel.postMessage(message(state, { code: 'late-code' }));
    channel.close();
    await held(id, 'instances');
    await el.updateComplete;
    expect(el.status).to.equal('connecting');
    await release(id, 'instances');
    await waitUntil(() => el.status === 'idle', 'back to idle after the quiet failure');
    await waitUntil(() => resources.held().intervals === 0, 'the flow released everything');
    expect(events).to.deep.equal(['connect-start', 'connect-cancel']);
    expect(resources.held()).to.deep.equal(none);
  });

  it('a valid message after the timeout is ignored', async () => {
    const { el, id } = await mountButton('hold', { timeout: '400' });
    const events = record(el);
    const outcome = nextOutcome(el);
    await realClick(el);
    expect((await outcome).detail.code).to.equal('timeout');
    const { state } = await backendStats(id);
    // A witness on the same channel, created after the flow's: a message is delivered to the channels in the
    // order they were created, so once the witness has it, the flow's channel (were it open) has had it too.
    const witness = new BroadcastChannel(`ce-connect:${state}`);
    const delivered = new Promise((resolve) => (witness.onmessage = resolve));
    const channel = new BroadcastChannel(`ce-connect:${state}`);
    channel.postMessage(message(state!, { instanceId: '77' }));
    channel.close();
    await delivered;
    witness.close();
    await el.updateComplete;
    expect(resources.held()).to.deep.equal(none);
    expect(events).to.deep.equal(['connect-start', 'connect-error']);
    expect(el.instanceId).to.equal('');
  });

  it('two flows in flight: a result for one leaves the other waiting', async () => {
    const a = await mountButton('hold');
    const b = await mountButton('hold');
    await realClick(a.el);
    await realClick(b.el);
    await waitUntil(() => resources.held().listeners === 2);
    const stateA = (await backendStats(a.id)).state!;
    const channel = new BroadcastChannel(`ce-connect:${stateA}`);
    const connected = oneEvent(a.el, 'connected');
    channel.postMessage(message(stateA, { instanceId: '11' }));
    channel.close();
    expect((await connected).detail.instanceId).to.equal('11');
    expect(b.el.status).to.equal('connecting');
    expect(resources.held()).to.deep.equal({ listeners: 1, intervals: 1, timeouts: 0, channels: 1 });
    b.el.cancel();
  });

  it('removed attributes fall back to their defaults', async () => {
    const { el } = await mountButton('allow', { timeout: '5000', 'instance-name': 'X' });
    el.removeAttribute('timeout');
    el.removeAttribute('instance-name');
    el.removeAttribute('closed-grace');
    await el.updateComplete;
    const outcome = nextOutcome(el);
    await realClick(el);
    expect((await outcome).type).to.equal('connected');
  });

  it('a callback-origin other than the page: messages from the page origin are ignored, no BroadcastChannel', async () => {
    const { el, id } = await mountButton('spoofpage,gate-consent', { 'callback-origin': 'http://127.0.0.1:9' });
    const events = record(el);
    await realClick(el);
    await held(id, 'consent');
    await waitUntil(() => resources.held().listeners === 1, 'the flow listens');
    expect(resources.held().channels).to.equal(0);
    // The spoof page posts forged messages, then the genuine one twice, all from the page's own origin. This
    // listener was added after the flow's, so when it has seen the last one, the flow has seen them all.
    const genuineTwice = new Promise<void>((resolve) => {
      let seen = 0;
      const onMessage = (event: MessageEvent) => {
        if (event.data?.code && ++seen === 2) {
          window.removeEventListener('message', onMessage);
          resolve();
        }
      };
      window.addEventListener('message', onMessage);
    });
    await release(id, 'consent');
    await genuineTwice;
    await el.updateComplete;
    expect(events).to.deep.equal(['connect-start']);
    expect(el.status).to.equal('connecting');
    expect((await backendStats(id)).instances).to.equal(0);
    el.cancel();
    expect(events).to.deep.equal(['connect-start', 'connect-cancel']);
  });

  for (const [flags, what] of [
    ['xdrop', 'the connection drops'],
    ['xredirect', 'a redirect'],
    ['xhtml', 'a 201 that is not JSON'],
    ['xbadid', 'an invalid id'],
  ]) {
    it(`exchange-failed when POST /instances meets ${what}`, async () => {
      const { el } = await mountButton(flags);
      const outcome = nextOutcome(el);
      await realClick(el);
      expect((await outcome).detail.code).to.equal('exchange-failed');
      await popupClosed(watch.popups[0]);
    });
  }

  it('connect() while connecting returns the same promise and makes no second request; disabled refuses', async () => {
    const { el, id } = await mountButton('hold');
    const { result: first } = await clickToCall(() => el.connect());
    const second = el.connect();
    expect(second).to.equal(first);
    await waitUntil(async () => (await backendStats(id)).oauthUrl === 1);
    el.cancel();
    await first.catch(() => undefined);
    el.disabled = true;
    const error = await el.connect().catch((e: unknown) => e);
    expect((error as ConnectError).code).to.equal('invalid-config');
  });

  it('the 4b code never reaches an event, the DOM, the status line or the console', async () => {
    const output = captureConsole();
    try {
      const { el } = await mountButton('allow');
      const details: unknown[] = [];
      for (const type of ['connect-start', 'connected', 'connect-error', 'connect-cancel'])
        el.addEventListener(type, (e) => details.push((e as CustomEvent).detail));
      const connected = oneEvent(el, 'connected');
      await realClick(el);
      await connected;
      const everything = [
        JSON.stringify(details),
        document.documentElement.outerHTML,
        el.shadowRoot!.innerHTML,
        output.logged.join('\n'),
      ].join('\n');
      expect(everything).not.to.match(/code-[A-Za-z0-9_-]{16}/);
    } finally {
      output.restore();
    }
  });
});
