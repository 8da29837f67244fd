import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import type { CeConnectButton } from '../src/index.js';
import { backendStats, held, mountButton, release, uid } from './support/backend.js';
import { clickToCall, nextOutcome, realClick, waitUntil } from './support/helpers.js';
import { popupClosed, popupsOfEachTest } from './support/popups.js';
import { resourcesOfEachTest } from './support/leaks.js';

const none = { listeners: 0, intervals: 0, timeouts: 0, channels: 0 };
// While a flow waits for its result: one message listener, one BroadcastChannel, one interval (deadline + popup).
const waitingFor = { listeners: 1, intervals: 1, timeouts: 0, channels: 1 };

describe('lifecycle: cancel, popup closed, timeout, removal — nothing left behind', () => {
  const resources = resourcesOfEachTest();
  const watch = popupsOfEachTest();

  /** Clicks a button whose provider never answers and waits until the widget listens for the result. */
  async function waiting(flags = 'hold', attributes: Record<string, string> = {}) {
    const mounted = await mountButton(flags, attributes);
    await realClick(mounted.el);
    await waitUntil(() => resources.held().listeners === 1 && resources.held().channels === 1, 'the flow listens');
    expect(resources.held()).to.deep.equal(waitingFor);
    return mounted;
  }

  it('removal from the DOM mid-flow aborts: popup closed, connect-cancel aborted, every listener, timer, interval and channel released', async () => {
    const { el, id } = await waiting();
    const cancelled = oneEvent(el, 'connect-cancel');
    el.remove();
    expect((await cancelled).detail).to.deep.equal({ element: 'sfdc', reason: 'aborted' });
    expect(resources.held()).to.deep.equal(none);
    await popupClosed(watch.popups[0]);
    expect((await backendStats(id)).oauthUrl).to.equal(1);
  });

  it('removal while the backend has not answered yet aborts the request too', async () => {
    const { el, id } = await mountButton('bhang');
    await realClick(el);
    await waitUntil(async () => (await backendStats(id)).oauthUrl === 1, 'oauth/url was requested');
    expect(resources.held()).to.deep.equal({ ...none, intervals: 1 });
    const cancelled = oneEvent(el, 'connect-cancel');
    el.remove();
    expect((await cancelled).detail).to.deep.equal({ element: 'sfdc', reason: 'aborted' });
    expect(resources.held()).to.deep.equal(none);
    await popupClosed(watch.popups[0]);
  });

  it('a synchronous move in the DOM does not abort the flow', async () => {
    const { el } = await waiting();
    const host = document.createElement('div');
    document.body.append(host);
    host.append(el); // disconnect + connect in one task
    await Promise.resolve();
    await el.updateComplete;
    expect(el.status).to.equal('connecting');
    expect(resources.held()).to.deep.equal(waitingFor);
    const cancelled = oneEvent(el, 'connect-cancel');
    el.cancel();
    await cancelled;
    host.remove();
  });

  it('cancel(): connect-cancel aborted, popup closed, connect() rejects with an AbortError, button usable again', async () => {
    const { el } = await mountButton('hold');
    const { result } = await clickToCall(() => el.connect().catch((e: unknown) => e));
    await waitUntil(() => resources.held().listeners === 1);
    const cancelled = oneEvent(el, 'connect-cancel');
    el.cancel();
    expect((await cancelled).detail).to.deep.equal({ element: 'sfdc', reason: 'aborted' });
    const error = await result;
    expect(error).to.be.instanceOf(DOMException);
    expect((error as DOMException).name).to.equal('AbortError');
    expect(el.status).to.equal('idle');
    expect(resources.held()).to.deep.equal(none);
    await popupClosed(watch.popups[0]);
    el.cancel(); // nothing running: a no-op, no event
  });

  it('the user closes the popup: connect-cancel popup-closed after the grace period; nothing but the late-result wait remains', async () => {
    const { el } = await waiting('hold', { 'closed-grace': '100' });
    const cancelled = oneEvent(el, 'connect-cancel');
    watch.popups[0].close();
    expect((await cancelled).detail).to.deep.equal({ element: 'sfdc', reason: 'popup-closed' });
    expect(el.status).to.equal('idle');
    expect(el.shadowRoot!.querySelector('button')!.getAttribute('aria-busy')).to.equal('false');
    // Only what waits for a late (COOP) result stays, until the deadline.
    expect(resources.held()).to.deep.equal(waitingFor);
    el.remove();
    await waitUntil(() => resources.held().listeners === 0, 'removal releases the late-result wait');
    expect(resources.held()).to.deep.equal(none);
  });

  it('the popup closed before the backend answered: connect-cancel popup-closed and everything released', async () => {
    const { el } = await mountButton('bhang', { 'closed-grace': '50' });
    await realClick(el);
    await waitUntil(() => watch.popups.length === 1);
    const cancelled = oneEvent(el, 'connect-cancel');
    watch.popups[0].close();
    expect((await cancelled).detail.reason).to.equal('popup-closed');
    expect(resources.held()).to.deep.equal(none);
  });

  it('timeout: the popup is closed and the flow releases everything', async () => {
    // The timeout runs from the click: the outcome listener is attached before it, and nothing is asserted
    // about the waiting flow (on a slow machine the timeout may already have fired when the click returns).
    const { el } = await mountButton('hold', { timeout: '500' });
    const outcome = nextOutcome(el);
    await realClick(el);
    expect((await outcome).detail).to.deep.include({ code: 'timeout' });
    expect(resources.held()).to.deep.equal(none);
    await popupClosed(watch.popups[0]);
  });

  it('after connected, the flow has released everything and no later event fires', async () => {
    const { el } = await mountButton('allow');
    const events: string[] = [];
    for (const type of ['connected', 'connect-error', 'connect-cancel'])
      el.addEventListener(type, () => events.push(type));
    const connected = oneEvent(el, 'connected');
    await realClick(el);
    await connected;
    expect(resources.held()).to.deep.equal(none);
    el.remove();
    el.cancel();
    await Promise.resolve();
    expect(events).to.deep.equal(['connected']);
  });

  it('the element key is captured at click time: changing it mid-flow does not change the result', async () => {
    const { el, id } = await mountButton('allow,gate-url');
    const connected = oneEvent(el, 'connected');
    await realClick(el);
    await held(id, 'url');
    el.element = 'hubspot'; // while the flow is held at oauth/url
    await release(id, 'url');
    expect((await connected).detail.element).to.equal('sfdc');
  });

  it('connect-start can be cancelled: no popup, no request', async () => {
    const { el, id } = await mountButton('allow');
    el.addEventListener('connect-start', (event) => event.preventDefault());
    const { result } = await clickToCall(() => el.connect().catch((e: unknown) => e));
    expect(((await result) as DOMException).name).to.equal('AbortError');
    expect(watch.popups).to.have.length(0);
    expect((await backendStats(id)).oauthUrl).to.equal(0);
    expect(el.status).to.equal('idle');
  });

  it('a disabled button starts nothing', async () => {
    const { el, id } = await mountButton('allow', { disabled: '' });
    expect(el.shadowRoot!.querySelector('button')!.disabled).to.equal(true);
    await realClick(el);
    expect(watch.popups).to.have.length(0);
    expect((await backendStats(id)).oauthUrl).to.equal(0);
  });

  it('three buttons, all three in flight at once: each flow resolves with its own result only', async () => {
    const ids: string[] = [];
    const container = await fixture<HTMLDivElement>(html`<div></div>`);
    const buttons: CeConnectButton[] = [];
    for (let i = 0; i < 3; i += 1) {
      const id = uid();
      ids.push(id);
      const button = document.createElement('ce-connect-button');
      button.element = ['sfdc', 'hubspot', 'box'][i];
      button.apiBase = `/api/t/${id}/allow,gate-url`;
      container.append(button);
      buttons.push(button);
    }
    await Promise.all(buttons.map((b) => b.updateComplete));
    const results = buttons.map((b) => oneEvent(b, 'connected'));
    for (const button of buttons) await realClick(button);
    // All three are held at oauth/url, so all three flows are running at the same time.
    for (const id of ids) await held(id, 'url');
    expect(buttons.map((b) => b.status)).to.deep.equal(['connecting', 'connecting', 'connecting']);
    for (const id of [...ids].reverse()) await release(id, 'url');
    const details = (await Promise.all(results)).map((e) => e.detail);
    expect(details.map((d) => d.element)).to.deep.equal(['sfdc', 'hubspot', 'box']);
    expect(new Set(details.map((d) => d.instanceId)).size).to.equal(3);
    expect(resources.held()).to.deep.equal(none);
  });
});
