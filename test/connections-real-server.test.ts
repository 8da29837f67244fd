// Connections that last, end to end: the element against the real server (ce-connect/server's instance routes,
// reconnect through PUT /instances/{id}) and the sandbox as Cloud Elements (test/support/real-backend.mjs).
import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import type { CeConnectButton } from '../src/index.js';
import { backendStats, mountOnRealBackend, uid, type RealScenario } from './support/backend.js';
import { label, realClick, waitUntil } from './support/helpers.js';
import { popupsOfEachTest } from './support/popups.js';

/** A button on the real backend that the host gives an instance id from its own records. */
async function knownInstance(scenario: RealScenario, instanceId: string): Promise<CeConnectButton> {
  return fixture<CeConnectButton>(
    html`<ce-connect-button element="sfdc" api-base="/api/real/${scenario}/${uid()}/-" instance-id=${instanceId} closed-grace="100"></ce-connect-button>`,
  );
}

/** Connects a new instance through `scenario` and returns its id. */
async function connectNew(scenario: RealScenario): Promise<{ el: CeConnectButton; id: string; instanceId: string }> {
  const { el, id } = await mountOnRealBackend(scenario);
  const connected = oneEvent(el, 'connected');
  await realClick(el);
  return { el, id, instanceId: (await connected).detail.instanceId };
}

describe('connections that last, through the real server and the sandbox', () => {
  popupsOfEachTest();

  for (const scenario of ['4a', '4b'] as const) {
    it(`flow ${scenario}: a click on a connected button re-authorises the same instance (PUT at Cloud Elements, a new token for onInstanceReconnected) → connected with reconnected: true`, async () => {
      const { el, id, instanceId } = await connectNew(scenario);
      expect(label(el)).to.equal('Connected to Salesforce');
      const reconnected = oneEvent(el, 'connected');
      await realClick(el);
      expect((await reconnected).detail).to.include({ element: 'sfdc', instanceId, reconnected: true });
      const stats = await backendStats(id);
      expect(stats.created.map((c) => c.id)).to.deep.equal([instanceId]);
      expect(stats.reconnected.map((r) => r.id)).to.deep.equal([instanceId]);
      expect(stats.reconnected[0].token).not.to.equal(stats.created[0].token);
      expect(el.status).to.equal('connected');
    });
  }

  it('the status check: Cloud Elements reports the instance invalid → needs-reconnect, "Reconnect Salesforce"; a reconnect makes it connected again', async () => {
    const { instanceId } = await connectNew('4b');
    const response = await fetch(`/api/real-control/invalidate/${instanceId}`, { method: 'POST' });
    expect(response.status).to.equal(204);
    const el = await knownInstance('4b', instanceId);
    await waitUntil(() => el.status === 'needs-reconnect', 'the server reports needs-reconnect');
    expect(label(el)).to.equal('Reconnect Salesforce');
    const connected = oneEvent(el, 'connected');
    await realClick(el);
    expect((await connected).detail).to.include({ instanceId, reconnected: true });
    expect(el.status).to.equal('connected');
  });

  it('the status check: an instance the server does not know → instance-id cleared, disconnected with reason missing', async () => {
    const el = await knownInstance('4b', '987654');
    const { detail } = await oneEvent(el, 'disconnected');
    expect(detail).to.deep.equal({ element: 'sfdc', instanceId: '987654', reason: 'missing' });
    expect(el.status).to.equal('idle');
  });

  it('disconnect(): DELETE at Cloud Elements and onInstanceDeleted; a button given that id afterwards finds it missing', async () => {
    const { el, instanceId } = await connectNew('4b');
    const disconnected = oneEvent(el, 'disconnected');
    await el.disconnect();
    expect((await disconnected).detail).to.deep.equal({ element: 'sfdc', instanceId, reason: 'user' });
    const later = await knownInstance('4b', instanceId);
    expect((await oneEvent(later, 'disconnected')).detail.reason).to.equal('missing');
  });
});
