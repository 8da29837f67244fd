import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { sendKeys, sendMouse } from '@web/test-runner-commands';
import type { CeConnectButton } from '../src/index.js';
import { prefetchClock } from '../src/prefetch.js';
import { leaving } from '../src/redirect.js';
import { backendStats, held, mountButton, release, uid } from './support/backend.js';
import { innerButton, nextOutcome, realClick, waitUntil } from './support/helpers.js';
import { popupsOfEachTest } from './support/popups.js';

/** What a button holds from `prefetch` (private state, read to know an answer has arrived before the test goes on). */
const holding = (el: CeConnectButton) =>
  (el as unknown as { _prefetched: { _answer?: Promise<unknown>; _until?: number } })._prefetched;
/** Resolves once the button holds an answered prefetch (its freshness deadline is set). */
const answered = (el: CeConnectButton) =>
  waitUntil(() => holding(el)._answer && holding(el)._until !== undefined, 'the prefetched answer should have arrived');
/** Keyboard focus on the inner button: a real Tab from a field placed just before it (`:focus-visible`). */
async function focus(el: CeConnectButton): Promise<void> {
  const from = document.createElement('input');
  el.before(from);
  from.focus();
  await sendKeys({ press: 'Tab' });
  from.remove();
  expect(el.shadowRoot!.activeElement, 'the Tab focused the button').to.equal(innerButton(el));
}
/** A touch on the button: engines without touch input get the `touchstart` event dispatched. */
const touch = (el: CeConnectButton) => innerButton(el).dispatchEvent(new Event('touchstart', { bubbles: true }));
const oauthUrlRequests = async (id: string) => (await backendStats(id)).oauthUrl;

describe('prefetch: the sign-in URL asked on intent, used by the click', () => {
  const watch = popupsOfEachTest();
  const { _now: now } = prefetchClock;
  afterEach(() => {
    prefetchClock._now = now;
  });
  // Which flow used which answer is read from the states the backend handed out and got back (POST /instances),
  // not from request counts alone.

  it('is off by default: focus asks nothing', async () => {
    const { el, id } = await mountButton('allow');
    expect(el.prefetch).to.equal(false);
    await focus(el);
    touch(el);
    // Nothing can be in flight: with prefetch off no request is ever started.
    expect(holding(el)._answer).to.equal(undefined);
    expect(await oauthUrlRequests(id)).to.equal(0);
  });

  it("a mouse's focus is no intent (only keyboard focus is): pressing on the button asks nothing", async () => {
    const { el } = await mountButton('allow');
    el.scrollIntoView({ block: 'center' });
    const box = innerButton(el).getBoundingClientRect();
    // The pointer arrives while prefetch is off (no rest timer), then the button is pressed with prefetch on.
    await sendMouse({ type: 'move', position: [Math.round(box.x + 4), Math.round(box.y + 4)] });
    el.prefetch = true;
    await sendMouse({ type: 'down' });
    const focused = el.shadowRoot!.activeElement;
    // The request would have been started synchronously in the focus event: nothing may be held.
    const asked = holding(el)._answer;
    await sendMouse({ type: 'move', position: [0, 0] });
    await sendMouse({ type: 'up' });
    expect(focused, 'the press focused the button').to.equal(innerButton(el));
    expect(asked).to.equal(undefined);
  });

  it('a prefetched URL is used once: the click uses it, the next click asks again', async () => {
    const { el, id } = await mountButton('allow', { prefetch: '' });
    await focus(el);
    await answered(el);
    expect(await oauthUrlRequests(id)).to.equal(1);
    const prefetched = (await backendStats(id)).state;
    const first = oneEvent(el, 'connected');
    await realClick(el);
    await first;
    expect((await backendStats(id)).instanceBody!.state).to.equal(prefetched);
    expect(watch.popups).to.have.length(1);
    // Used: the next click's flow runs on a state of its own.
    const second = oneEvent(el, 'connected');
    await realClick(el);
    await second;
    const stats = await backendStats(id);
    expect(stats.oauthUrl).to.be.at.least(2);
    expect(stats.instanceBody!.state).to.not.equal(prefetched);
  });

  it('an expired answer is not used (injected clock: 60 s after it came)', async () => {
    let clock = Date.now();
    prefetchClock._now = () => clock;
    const { el, id } = await mountButton('allow', { prefetch: '' });
    await focus(el);
    await answered(el);
    const firstState = (await backendStats(id)).state;
    clock += 60_000;
    const connected = oneEvent(el, 'connected');
    await realClick(el);
    await connected;
    const stats = await backendStats(id);
    expect(stats.oauthUrl).to.be.at.least(2);
    expect(stats.instanceBody!.state).to.not.equal(firstState);
  });

  it('an answer is still fresh just before 60 s', async () => {
    let clock = Date.now();
    prefetchClock._now = () => clock;
    const { el, id } = await mountButton('allow', { prefetch: '' });
    await focus(el);
    await answered(el);
    const prefetched = (await backendStats(id)).state;
    clock += 59_999;
    const connected = oneEvent(el, 'connected');
    await realClick(el);
    await connected;
    expect((await backendStats(id)).instanceBody!.state).to.equal(prefetched);
  });

  it('touchstart is an intent (dispatched: these engines run without touch input)', async () => {
    const { el, id } = await mountButton('allow', { prefetch: '' });
    touch(el);
    await answered(el);
    expect(await oauthUrlRequests(id)).to.equal(1);
  });

  it('the pointer resting on the button is an intent', async () => {
    const { el, id } = await mountButton('allow', { prefetch: '' });
    el.scrollIntoView({ block: 'center' });
    const box = innerButton(el).getBoundingClientRect();
    await sendMouse({
      type: 'move',
      position: [Math.round(box.x + box.width / 2), Math.round(box.y + box.height / 2)],
    });
    await answered(el);
    await sendMouse({ type: 'move', position: [0, 0] });
    expect(await oauthUrlRequests(id)).to.equal(1);
  });

  it('a click while the prefetch is in flight uses that answer when it comes', async () => {
    const { el, id } = await mountButton('allow,gate-url', { prefetch: '' });
    await focus(el);
    await held(id, 'url');
    const connected = oneEvent(el, 'connected');
    await realClick(el);
    // The popup opened in the click, blank, while the prefetched request is still held at the backend.
    expect(watch.popups).to.have.length(1);
    expect(el.status).to.equal('connecting');
    expect(await oauthUrlRequests(id)).to.equal(1);
    await release(id, 'url');
    await connected;
    const stats = await backendStats(id);
    expect(stats.instanceBody!.state).to.equal(stats.state);
  });

  it('a failed prefetch is silent, and the click then runs the normal flow', async () => {
    const { el, id } = await mountButton('b500', { prefetch: '' });
    const events: string[] = [];
    for (const name of ['connect-start', 'connected', 'connect-error', 'connect-cancel'])
      el.addEventListener(name, () => events.push(name));
    await focus(el);
    await waitUntil(
      async () => (await oauthUrlRequests(id)) === 1 && !holding(el)._answer,
      'the prefetch should have failed',
    );
    await el.updateComplete;
    expect(events).to.deep.equal([]);
    expect(el.status).to.equal('idle');
    const outcome = nextOutcome(el);
    await realClick(el);
    const { detail } = await outcome;
    expect(detail.code).to.equal('backend');
    expect(await oauthUrlRequests(id)).to.be.at.least(2);
    expect(events).to.deep.equal(['connect-start', 'connect-error']);
  });

  it('a changed site discards the prefetched answer', async () => {
    const { el, id } = await mountButton('allow', { prefetch: '', site: 'acme' });
    await focus(el);
    await answered(el);
    const { site, state: prefetched } = await backendStats(id);
    expect(site).to.equal('acme');
    // The button keeps the focus: the click brings no new intent.
    el.site = 'globex';
    const connected = oneEvent(el, 'connected');
    await realClick(el);
    await connected;
    const stats = await backendStats(id);
    expect(stats.oauthUrl).to.be.at.least(2);
    expect(stats.instanceBody!.state).to.not.equal(prefetched);
    expect(stats.site).to.equal('globex');
  });

  it('a changed instance-id (a reconnect) discards the prefetched answer', async () => {
    const { el, id } = await mountButton('allow', { prefetch: '' });
    await focus(el);
    await answered(el);
    const { instanceParam, state: prefetched } = await backendStats(id);
    expect(instanceParam).to.equal(null);
    el.instanceId = '4242';
    await el.updateComplete;
    const connected = oneEvent(el, 'connected');
    await realClick(el);
    const { detail } = await connected;
    expect(detail).to.include({ instanceId: '4242', reconnected: true });
    const stats = await backendStats(id);
    expect(stats.oauthUrl).to.be.at.least(2);
    expect(stats.instanceParam).to.equal('4242');
    expect(stats.instanceBody!.state).to.not.equal(prefetched);
  });

  it('redirect mode leaves with the prefetched URL, asking nothing more', async () => {
    const assigned: string[] = [];
    const { _assign: assign } = leaving;
    leaving._assign = (url: string) => void assigned.push(url);
    try {
      const { el, id } = await mountButton('allow', { prefetch: '', mode: 'redirect' });
      await focus(el);
      await answered(el);
      const redirecting = oneEvent(el, 'connect-redirect');
      await realClick(el);
      await redirecting;
      await waitUntil(() => assigned.length === 1, 'the page should leave');
      const stats = await backendStats(id);
      expect(stats.oauthUrl).to.equal(1);
      expect(stats.mode).to.equal('redirect');
      expect(new URL(assigned[0]).searchParams.get('state')).to.equal(stats.state);
      el.cancel();
    } finally {
      leaving._assign = assign;
      sessionStorage.clear();
    }
  });

  it('many buttons on one page never hold more than one prefetch each', async () => {
    const id = uid();
    const container = await fixture<HTMLDivElement>(html`<div>
      ${[1, 2, 3, 4, 5].map(
        (n) =>
          html`<ce-connect-button element="sfdc" api-base="/api/t/${id}/allow,gate-url" prefetch instance-name="b${n}"></ce-connect-button>`,
      )}
    </div>`);
    const buttons = [...container.querySelectorAll('ce-connect-button')];
    await Promise.all(buttons.map((el) => el.updateComplete));
    // Intents again and again while every answer is held in flight, then again once they are answered and fresh.
    for (let round = 0; round < 3; round += 1)
      for (const el of buttons) {
        await focus(el);
        touch(el);
        innerButton(el).blur();
      }
    await waitUntil(
      async () => (await backendStats(id)).waiting.length > 0 && (await oauthUrlRequests(id)) === 5,
      'five prefetches',
    );
    await release(id, 'url');
    await Promise.all(buttons.map(answered));
    for (const el of buttons) {
      await focus(el);
      touch(el);
      innerButton(el).blur();
    }
    expect(await oauthUrlRequests(id)).to.equal(5);
  });

  it('removing the button drops what it holds (an in-flight prefetch is aborted)', async () => {
    const { el, id } = await mountButton('allow,gate-url', { prefetch: '' });
    await focus(el);
    await held(id, 'url');
    el.remove();
    await waitUntil(() => !holding(el)._answer, 'the prefetch should be dropped');
    await release(id, 'url');
  });
});
