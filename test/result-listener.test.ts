import { expect, oneEvent } from '@open-wc/testing';
import { backendStats, mountButton } from './support/backend.js';
import { messageMarker, realClick, waitUntil } from './support/helpers.js';
import { watchPopups } from './support/popups.js';
import { trackResources } from './support/leaks.js';

/** Starts a flow whose provider waits, and returns once the widget really holds its listener and channel. */
async function waitingFlow(flags = 'hold') {
  const watch = watchPopups();
  const resources = trackResources();
  try {
    const { el, id } = await mountButton(flags);
    await realClick(el);
    await waitUntil(() => resources.held().listeners === 1 && resources.held().channels === 1, 'the flow listens');
    const { state } = await backendStats(id);
    return { el, id, state: state!, watch };
  } finally {
    resources.restore();
  }
}

const message = (state: string, extra: Record<string, unknown>) => ({
  type: 'ce-connect:callback',
  v: 1,
  state,
  ...extra,
});

describe('spoofed and malformed callback messages are ignored (origin, source, shape, state)', () => {
  let cleanup: Array<() => void> = [];
  afterEach(() => {
    for (const fn of cleanup) fn();
    cleanup = [];
  });

  it('same origin, right source, but wrong state / malformed shapes / replays: only the genuine message counts, once', async () => {
    const { el, id, watch } = await (async () => {
      const watch = watchPopups();
      const mounted = await mountButton('spoofpage');
      return { ...mounted, watch };
    })();
    cleanup.push(
      () => watch.restore(),
      () => watch.popups.forEach((p) => p.close()),
    );
    const seen: string[] = [];
    for (const type of ['connected', 'connect-error', 'connect-cancel'])
      el.addEventListener(type, () => seen.push(type));
    const connected = oneEvent(el, 'connected');
    await realClick(el);
    const { detail } = await connected;
    // The forged ids (wrong-state, extra, proto, …) never reach the host; the instance is the backend's.
    expect(detail.instanceId).to.match(/^\d+$/);
    expect(Object.keys(detail).sort()).to.deep.equal(['element', 'instanceId', 'name']);
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    await waitUntil(() => watch.popups[0].closed);
    expect(seen).to.deep.equal(['connected']);
    expect((await backendStats(id)).instances).to.equal(1);
  });

  it("a perfectly shaped message from the provider's origin (the popup itself) is ignored", async () => {
    const watch = watchPopups();
    cleanup.push(
      () => watch.restore(),
      () => watch.popups.forEach((p) => p.close()),
    );
    const { el } = await mountButton('spoof');
    const connected = oneEvent(el, 'connected');
    await realClick(el);
    const { detail } = await connected;
    expect(detail.instanceId).not.to.equal('attacker');
  });

  it('a message with the right origin and state but not from the popup is ignored while the popup is open', async () => {
    const { el, id, state, watch } = await waitingFlow();
    cleanup.push(() => watch.restore());
    const events: string[] = [];
    for (const type of ['connected', 'connect-error', 'connect-cancel'])
      el.addEventListener(type, () => events.push(type));
    // From this very window (correct origin, wrong source)…
    const fromPage = messageMarker('marker:page');
    window.postMessage(message(state, { instanceId: 'from-the-page' }), location.origin);
    window.dispatchEvent(
      new MessageEvent('message', { origin: location.origin, data: message(state, { instanceId: 'synthetic' }) }),
    );
    window.postMessage('marker:page', location.origin);
    await fromPage;
    // …from a same-origin iframe…
    const frame = document.createElement('iframe');
    frame.src = '/test/fixtures/callback.html';
    document.body.append(frame);
    cleanup.push(() => frame.remove());
    await new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
    const fromFrame = messageMarker('marker:iframe');
    (frame.contentWindow as Window & { eval(code: string): void }).eval(
      `parent.postMessage(${JSON.stringify(message(state, { instanceId: 'from-iframe' }))}, location.origin); parent.postMessage('marker:iframe', location.origin);`,
    );
    await fromFrame;
    // …and from a cross-origin frame (the provider's origin) posting the exact message.
    const fromProvider = messageMarker('marker:frame');
    const providerFrame = document.createElement('iframe');
    providerFrame.src = `${(await backendStats(id)).providerOrigin}/frame?state=${state}`;
    document.body.append(providerFrame);
    cleanup.push(() => providerFrame.remove());
    await fromProvider;
    expect(events).to.deep.equal([]);
    expect(el.status).to.equal('connecting');
    expect(el.instanceId).to.equal('');
    const cancelled = oneEvent(el, 'connect-cancel');
    el.cancel();
    await cancelled;
  });

  it("BroadcastChannel: another state's channel and wrong shapes on the right channel are ignored; a valid message completes", async () => {
    const { el, state, watch } = await waitingFlow();
    cleanup.push(() => watch.restore());
    const events: string[] = [];
    for (const type of ['connected', 'connect-error', 'connect-cancel'])
      el.addEventListener(type, () => events.push(type));
    const other = new BroadcastChannel(`ce-connect:${'B'.repeat(43)}`);
    other.postMessage(message('B'.repeat(43), { instanceId: 'other-state' }));
    other.close();
    const channel = new BroadcastChannel(`ce-connect:${state}`);
    for (const data of [
      null,
      'x',
      { ...message(state, { instanceId: 'extra' }), token: 't' },
      message(state, { instanceId: 7 }),
      message('C'.repeat(43), { instanceId: 'c' }),
    ]) {
      channel.postMessage(data);
    }
    // Messages on one channel arrive in order: the valid one below is dispatched after every forged one.
    const connected = oneEvent(el, 'connected');
    // A witness created after the flow's channel: it receives each message after the flow's channel did.
    const witness = new BroadcastChannel(`ce-connect:${state}`);
    const replayDelivered = new Promise(
      (resolve) => (witness.onmessage = (event) => event.data?.instanceId === '9999' && resolve(undefined)),
    );
    channel.postMessage(message(state, { instanceId: '4242', name: 'Via channel' }));
    channel.postMessage(message(state, { instanceId: '9999' })); // a replay: ignored
    expect((await connected).detail).to.deep.equal({ element: 'sfdc', instanceId: '4242', name: 'Via channel' });
    await replayDelivered;
    witness.close();
    channel.close();
    expect(events).to.deep.equal(['connected']);
    expect(el.instanceId).to.equal('4242');
    await waitUntil(() => watch.popups[0].closed);
  });

  it('an error message with the wrong state does not abort the flow', async () => {
    const { el, state, watch } = await waitingFlow();
    cleanup.push(() => watch.restore());
    const channel = new BroadcastChannel(`ce-connect:${state}`);
    cleanup.push(() => channel.close());
    const wrong = new BroadcastChannel(`ce-connect:${'D'.repeat(43)}`);
    wrong.postMessage(message('D'.repeat(43), { error: 'access_denied' }));
    wrong.close();
    const seen = messageMarker('marker:page');
    window.postMessage(message(state, { error: 'access_denied' }), location.origin); // wrong source
    window.postMessage('marker:page', location.origin);
    await seen;
    expect(el.status).to.equal('connecting');
    const outcome: string[] = [];
    for (const type of ['connected', 'connect-error', 'connect-cancel'])
      el.addEventListener(type, () => outcome.push(type));
    const errored = oneEvent(el, 'connect-error');
    channel.postMessage(message(state, { error: 'access_denied', errorDescription: 'No thanks' }));
    expect((await errored).detail).to.deep.equal({ element: 'sfdc', code: 'provider-denied', message: 'No thanks' });
    expect(outcome).to.deep.equal(['connect-error']);
  });
});
