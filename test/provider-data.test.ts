// Callback parameters besides code and state reach Cloud Elements in providerData, in both flows, with the real
// popup, the real handler (ce-connect/server) and the sandbox's QuickBooks Online, whose callback carries realmId
// and whose POST /instances refuses a providerData without it (test/support/real-backend.mjs).
import { expect } from '@open-wc/testing';
import { backendStats, mountOnRealBackend } from './support/backend.js';
import { nextOutcome, realClick } from './support/helpers.js';
import { popupClosed, watchPopups } from './support/popups.js';

describe('providerData: QuickBooks realmId through the real handler', () => {
  let watch: ReturnType<typeof watchPopups>;
  beforeEach(() => {
    watch = watchPopups();
  });
  afterEach(() => {
    watch.restore();
    for (const popup of watch.popups) popup.close();
  });

  for (const flow of ['4a', '4b'] as const) {
    it(`flow ${flow}: the callback's realmId reaches the sandbox in providerData beside the code`, async () => {
      const { el, id } = await mountOnRealBackend(flow, '-', { element: 'quickbooks' });
      const outcome = nextOutcome(el);
      await realClick(el);
      const { type, detail } = await outcome;
      // Without realmId in providerData the sandbox refuses the instance: exchange-failed, not connected.
      expect(type, JSON.stringify(detail)).to.equal('connected');
      const { created, providerRedirect, providerData } = await backendStats(id);
      expect(detail.instanceId).to.equal(created[0]!.id);
      const callback = new URL(providerRedirect!);
      const realmId = callback.searchParams.get('realmId');
      expect(realmId).to.match(/^\d+$/);
      expect(providerData).to.deep.equal({ code: callback.searchParams.get('code'), realmId });
      // Neither the code nor the realm reaches the page's events.
      expect(JSON.stringify(detail)).not.to.contain(realmId);
      await popupClosed(watch.popups[0]!);
    });
  }
});
