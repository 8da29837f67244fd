import { expect, oneEvent } from '@open-wc/testing';
import { backendStats, held, mountButton, release } from './support/backend.js';
import { clickToCall, realClick, waitUntil } from './support/helpers.js';
import { popupClosed, popupsOfEachTest } from './support/popups.js';

describe('the connect flow, end to end (real popup, provider on another origin, real callback page)', () => {
  const watch = popupsOfEachTest();

  it('flow 4b: the callback page posts the code, the widget creates the instance', async () => {
    const { el, id } = await mountButton('allow,gate-url,gate-instances', { 'instance-name': 'My Salesforce' });
    const starting = oneEvent(el, 'connect-start');
    const connected = oneEvent(el, 'connected');
    await realClick(el);
    expect((await starting).detail).to.deep.equal({ element: 'sfdc' });
    // Held at oauth/url: nothing can have finished.
    await held(id, 'url');
    await el.updateComplete;
    expect(el.status).to.equal('connecting');
    expect(el.shadowRoot!.querySelector('button')!.getAttribute('aria-busy')).to.equal('true');
    await release(id, 'url');
    // Held at POST /instances: the code came back, the button still says it is busy.
    await held(id, 'instances');
    await el.updateComplete;
    expect(el.status).to.equal('connecting');
    expect(el.shadowRoot!.querySelector('button')!.getAttribute('aria-busy')).to.equal('true');
    await release(id, 'instances');
    const { detail } = await connected;
    expect(Object.keys(detail).sort()).to.deep.equal(['element', 'instanceId', 'name']);
    expect(detail.element).to.equal('sfdc');
    expect(detail.instanceId).to.match(/^\d+$/);
    expect(detail.name).to.equal('My Salesforce');
    expect(el.instanceId).to.equal(detail.instanceId);
    expect(el.getAttribute('instance-id')).to.equal(detail.instanceId);
    expect(el.getAttribute('status')).to.equal('connected');
    await popupClosed(watch.popups[0]);
    expect(await backendStats(id)).to.include({ oauthUrl: 1, instances: 1, name: 'My Salesforce' });
  });

  it("flow 4b: the callback's other parameters (QuickBooks' realmId) reach POST /instances as providerData beside the code", async () => {
    const { el, id } = await mountButton('realm');
    const connected = oneEvent(el, 'connected');
    await realClick(el);
    await connected;
    const { instanceBody, state } = await backendStats(id);
    expect(instanceBody!.providerData).to.have.all.keys('code', 'realmId');
    expect(instanceBody).to.deep.include({ element: { key: 'sfdc' }, state });
    expect(instanceBody!.providerData!.realmId).to.equal('9130357');
  });

  for (const [mode, what] of [
    ['xbig', 'a value over 2,048 characters'],
    ['xmany', 'more than 16 parameters'],
    ['xbadname', 'a malformed name'],
    ['xrepeat', 'a repeated name'],
  ]) {
    it(`flow 4b: ${what} beside the code ends as invalid-callback, and nothing is sent to the backend`, async () => {
      const { el, id } = await mountButton(mode);
      const failed = oneEvent(el, 'connect-error');
      await realClick(el);
      expect((await failed).detail).to.deep.equal({
        element: 'sfdc',
        code: 'invalid-callback',
        message: 'The sign-in response was invalid.',
      });
      expect(el.status).to.equal('error');
      expect((await backendStats(id)).instances).to.equal(0);
    });
  }

  it('flow 4a: the backend creates the instance and its callback page posts the Instance ID', async () => {
    const { el, id } = await mountButton('4a');
    const connected = oneEvent(el, 'connected');
    await realClick(el);
    const { detail } = await connected;
    expect(detail).to.deep.equal({ element: 'sfdc', instanceId: detail.instanceId, name: 'sfdc (4a)' });
    expect(await backendStats(id)).to.include({ oauthUrl: 1, callback: 1, instances: 0 });
    await popupClosed(watch.popups[0]);
  });

  it('the popup is opened as about:blank in the click task, with a unique name and an opener', async () => {
    const { el } = await mountButton('hold');
    const names: string[] = [];
    const original = window.open;
    window.open = function (url?: string | URL, target?: string, features?: string) {
      names.push(`${url}|${target}|${features}`);
      return original.call(window, url, target, features);
    };
    try {
      await realClick(el);
    } finally {
      window.open = original;
    }
    // The open happened synchronously in the click: before the backend could have answered.
    expect(names).to.have.length(1);
    const [url, name, features] = names[0].split('|');
    expect(url).to.equal('about:blank');
    expect(name).to.match(/^ce-connect-[a-z0-9]{8,}$/);
    expect(features).not.to.contain('noopener');
    const cancelled = oneEvent(el, 'connect-cancel');
    el.cancel();
    await cancelled;
  });

  it('a second click focuses the popup and makes no second backend request', async () => {
    const { el, id } = await mountButton('hold');
    await realClick(el);
    await waitUntil(async () => (await backendStats(id)).oauthUrl === 1, 'oauth/url requested');
    await realClick(el);
    await realClick(el);
    expect(watch.popups).to.have.length(1);
    expect((await backendStats(id)).oauthUrl).to.equal(1);
    expect(el.status).to.equal('connecting');
    const cancelled = oneEvent(el, 'connect-cancel');
    el.cancel();
    expect((await cancelled).detail).to.deep.equal({ element: 'sfdc', reason: 'aborted' });
  });

  it('a double click makes one backend request and opens one popup', async () => {
    const { el, id } = await mountButton('allow,gate-url');
    const connected = oneEvent(el, 'connected');
    el.scrollIntoView({ block: 'center' });
    // Both clicks land while oauth/url is held: the flow of the first cannot be over before the second.
    await Promise.all([realClick(el), realClick(el)]);
    await held(id, 'url');
    expect(watch.popups).to.have.length(1);
    expect(el.status).to.equal('connecting');
    await release(id, 'url');
    await connected;
    expect(watch.popups).to.have.length(1);
    expect(await backendStats(id)).to.include({ oauthUrl: 1, instances: 1 });
  });

  it('connect() resolves with the connected detail', async () => {
    const { el } = await mountButton('allow');
    const detail = await (await clickToCall(() => el.connect())).result;
    expect(detail.instanceId).to.equal(el.instanceId);
    expect(detail.element).to.equal('sfdc');
  });

  it('a provider page with Cross-Origin-Opener-Policy: the handle reads closed early, the result still arrives by BroadcastChannel', async () => {
    const { el, id } = await mountButton('coop,gate-consent', { 'closed-grace': '50' });
    const cancelled = oneEvent(el, 'connect-cancel');
    const connected = oneEvent(el, 'connected');
    await realClick(el);
    // COOP severs the opener: the popup reads closed while the user is still on the consent page (held)…
    expect((await cancelled).detail).to.deep.equal({ element: 'sfdc', reason: 'popup-closed' });
    expect(el.status).to.equal('idle');
    expect((await backendStats(id)).instances).to.equal(0);
    // …and the valid result that still arrives within the timeout, once the user consents, completes the flow.
    await release(id, 'consent');
    const { detail } = await connected;
    expect(detail.instanceId).to.match(/^\d+$/);
    expect(el.status).to.equal('connected');
  });

  it('a new click supersedes a flow that only waits for a late result', async () => {
    const { el, id } = await mountButton('hold');
    await realClick(el);
    await waitUntil(() => watch.popups.length === 1);
    await waitUntil(async () => (await backendStats(id)).oauthUrl === 1);
    const cancelled = oneEvent(el, 'connect-cancel');
    watch.popups[0].close();
    expect((await cancelled).detail.reason).to.equal('popup-closed');
    expect(el.status).to.equal('idle');
    await realClick(el);
    await waitUntil(() => watch.popups.length === 2);
    expect(el.status).to.equal('connecting');
    const aborted = oneEvent(el, 'connect-cancel');
    el.cancel();
    expect((await aborted).detail.reason).to.equal('aborted');
  });
});
