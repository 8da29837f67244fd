// Connections that last, on the element's side: the status check when the host sets instance-id, reconnect
// (labels, `?instance=`, `reconnected: true`), disconnect(), `disconnectable`, `site`, the reflected element
// key. These run against the fake backend (test/support/fake-backend.mjs), which also plays a backend without
// the status route; the real server's side of the same behaviour is in test/real-server.test.ts and test/connections-real-server.test.ts.
import { expect, oneEvent } from '@open-wc/testing';
import { backendStats, held, mountButton, release } from './support/backend.js';
import { innerButton, label, nextOutcome, realClick, statusLine, waitUntil } from './support/helpers.js';
import { popupClosed, popupsOfEachTest } from './support/popups.js';

/**
 * Resolves once every backend answer the page has fetched so far has been read to its end, and the page has
 * had a task to act on it: for checks whose correct outcome is that nothing changes.
 */
function watchFetches() {
  const original = window.fetch;
  const reads: Promise<unknown>[] = [];
  window.fetch = (...args: Parameters<typeof fetch>) => {
    const response = original(...args);
    reads.push(response.then((r) => r.clone().arrayBuffer()).catch(() => undefined));
    return response;
  };
  return {
    async settled() {
      await Promise.all(reads);
      await new Promise((resolve) => setTimeout(resolve));
    },
    restore: () => (window.fetch = original),
  };
}

describe('connections that last: status check, reconnect, disconnect, site', () => {
  const watch = popupsOfEachTest();
  let fetches: ReturnType<typeof watchFetches>;
  beforeEach(() => {
    fetches = watchFetches();
  });
  afterEach(() => {
    fetches.restore();
  });

  it('the host sets instance-id: one status check; connected → "Connected to Salesforce", a second set of the same id asks nothing', async () => {
    const { el, id } = await mountButton('allow');
    el.instanceId = '4711';
    await fetches.settled();
    await el.updateComplete;
    expect(el.status).to.equal('connected');
    expect(label(el)).to.equal('Connected to Salesforce');
    el.instanceId = '4711';
    el.setAttribute('instance-id', '4711');
    await el.updateComplete;
    await fetches.settled();
    expect((await backendStats(id)).checks).to.equal(1);
  });

  it('needs-reconnect: the label and status line say so; a click reconnects the same instance → connected with reconnected: true', async () => {
    const { el, id } = await mountButton('allow,istale,gate-url', { 'instance-id': '4711' });
    await waitUntil(() => el.status === 'needs-reconnect', 'the backend says the connection stopped working');
    expect(label(el)).to.equal('Reconnect Salesforce');
    expect(statusLine(el)).to.contain('stopped working');
    const connected = oneEvent(el, 'connected');
    await realClick(el);
    await held(id, 'url');
    expect((await backendStats(id)).instanceParam).to.equal('4711');
    expect(el.status).to.equal('connecting');
    await release(id, 'url');
    expect((await connected).detail).to.deep.equal({
      element: 'sfdc',
      instanceId: '4711',
      name: 'sfdc (4b)',
      reconnected: true,
    });
    expect(el.status).to.equal('connected');
    expect(label(el)).to.equal('Connected to Salesforce');
    expect((await backendStats(id)).checks).to.equal(1);
  });

  it('a connected button reconnects on click (flow 4a): the same id, reconnected: true, no second instance', async () => {
    const { el, id } = await mountButton('4a', { 'instance-id': '5005' });
    await waitUntil(async () => (await backendStats(id)).checks === 1);
    const connected = oneEvent(el, 'connected');
    await realClick(el);
    expect((await connected).detail).to.include({ instanceId: '5005', reconnected: true });
    expect((await backendStats(id)).instanceParam).to.equal('5005');
    await popupClosed(watch.popups[0]);
  });

  it('a new connection made by a click is not checked, and its connected event has no reconnected flag', async () => {
    const { el, id } = await mountButton('allow');
    const connected = oneEvent(el, 'connected');
    await realClick(el);
    const { detail } = await connected;
    expect(detail).not.to.have.property('reconnected');
    expect((await backendStats(id)).instanceParam).to.equal(null);
    await fetches.settled();
    expect((await backendStats(id)).checks ?? 0).to.equal(0);
  });

  it('the backend does not know the instance (404 unknown-instance): instance-id cleared, idle, disconnected with reason missing', async () => {
    const { el } = await mountButton('allow,imissing');
    const disconnected = oneEvent(el, 'disconnected');
    el.instanceId = '4711';
    expect((await disconnected).detail).to.deep.equal({ element: 'sfdc', instanceId: '4711', reason: 'missing' });
    await el.updateComplete;
    expect(el.instanceId).to.equal('');
    expect(el.hasAttribute('instance-id')).to.equal(false);
    expect(el.status).to.equal('idle');
    expect(label(el)).to.equal('Connect to Salesforce');
  });

  for (const [flags, what] of [
    ['inoroute', 'a backend without the route (plain 404)'],
    ['i500', 'a failing backend (500)'],
  ]) {
    it(`${what}: the button stays connected and fires nothing`, async () => {
      const { el, id } = await mountButton(`allow,${flags}`);
      const events: string[] = [];
      for (const type of ['disconnected', 'connect-error']) el.addEventListener(type, () => events.push(type));
      el.instanceId = '4711';
      await waitUntil(async () => (await backendStats(id)).checks === 1);
      await fetches.settled();
      await el.updateComplete;
      expect(el.status).to.equal('connected');
      expect(el.instanceId).to.equal('4711');
      expect(events).to.deep.equal([]);
    });
  }

  it('disconnect(): DELETE, then disconnected with reason user; instance-id cleared and the button idle', async () => {
    const { el, id } = await mountButton('allow', { 'instance-id': '4711' });
    const disconnected = oneEvent(el, 'disconnected');
    await el.disconnect();
    expect((await disconnected).detail).to.deep.equal({ element: 'sfdc', instanceId: '4711', reason: 'user' });
    expect((await backendStats(id)).deletes).to.equal(1);
    await el.updateComplete;
    expect(el.status).to.equal('idle');
    expect(el.hasAttribute('instance-id')).to.equal(false);
  });

  it('a failed disconnect: connect-error disconnect-failed with the status and message; the instance is kept; disconnect() rejects', async () => {
    const { el } = await mountButton('allow,dfail', { 'instance-id': '4711' });
    const failed = oneEvent(el, 'connect-error');
    const error = await el.disconnect().catch((e: unknown) => e);
    const { detail } = await failed;
    expect(detail).to.deep.equal({
      element: 'sfdc',
      code: 'disconnect-failed',
      message: 'Cloud Elements could not delete the instance',
      status: 502,
    });
    expect(error).to.include({ code: 'disconnect-failed' });
    expect(el.instanceId).to.equal('4711');
    await el.updateComplete;
    expect(statusLine(el)).to.equal('Cloud Elements could not delete the instance');
  });

  it('disconnectable: a Disconnect button only while connected; a real click on it disconnects', async () => {
    const { el } = await mountButton('allow', { disconnectable: '' });
    expect(el.shadowRoot!.querySelector('[part="disconnect"]')).to.equal(null);
    el.instanceId = '4711';
    await el.updateComplete;
    const button = el.shadowRoot!.querySelector<HTMLButtonElement>('[part="disconnect"]')!;
    expect(button.textContent).to.equal('Disconnect');
    const disconnected = oneEvent(el, 'disconnected');
    const box = button.getBoundingClientRect();
    const { sendMouse } = await import('@web/test-runner-commands');
    await sendMouse({
      type: 'click',
      position: [Math.round(box.x + box.width / 2), Math.round(box.y + box.height / 2)],
    });
    expect((await disconnected).detail.reason).to.equal('user');
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('[part="disconnect"]')).to.equal(null);
  });

  it("site: the user's input goes to oauth/url as ?site=; a refused site is invalid-config with the backend's message, the popup closed", async () => {
    const accepted = await mountButton('allow,gate-url', { site: 'acme' });
    await realClick(accepted.el);
    await held(accepted.id, 'url');
    expect((await backendStats(accepted.id)).site).to.equal('acme');
    accepted.el.cancel();

    const { el } = await mountButton('allow,sitebad', { site: 'not a site' });
    const outcome = nextOutcome(el);
    await realClick(el);
    expect((await outcome).detail).to.deep.equal({
      element: 'sfdc',
      code: 'invalid-config',
      message: 'Enter your Zendesk subdomain, such as acme.',
      status: 400,
    });
    await popupClosed(watch.popups[watch.popups.length - 1]);
  });

  it('the element key is reflected as an attribute (frameworks set the property; selectors read the attribute)', async () => {
    const { el } = await mountButton('allow');
    el.element = 'hubspot';
    await el.updateComplete;
    expect(el.getAttribute('element')).to.equal('hubspot');
    expect(innerButton(el).textContent).to.contain('Connect to HubSpot');
  });
});
