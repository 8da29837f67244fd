// What the button needs from any backend (docs/protocol.md §4, docs/server.md "The backend contract"), as one suite
// that runs against each test backend: the hostile fake must behave like ce-connect/server wherever the fake is
// not being hostile, or the browser tests that use the fake would prove things about a backend nobody ships.
import { expect, oneEvent } from '@open-wc/testing';
import type { CeConnectButton } from '../../src/index.js';
import { backendStats, held, release, type GateStep } from './backend.js';
import { innerButton, realClick } from './helpers.js';
import { popupClosed, popupsOfEachTest } from './popups.js';

export type Flow = '4a' | '4b';

/** A test backend as the contract suite drives it. */
export interface ContractBackend {
  name: string;
  /** Mounts a button whose flow is `flow`, whose provider answers `decision`, with `gates` held until released. */
  mount(flow: Flow, decision: 'allow' | 'deny', gates?: GateStep[]): Promise<{ el: CeConnectButton; id: string }>;
}

/** Clicks and resolves with the first terminal event. */
async function clickForOutcome(el: CeConnectButton): Promise<CustomEvent> {
  const outcome = Promise.race(['connected', 'connect-error', 'connect-cancel'].map((type) => oneEvent(el, type)));
  await realClick(el);
  return (await outcome) as CustomEvent;
}

export function runBackendContractSuite(backend: ContractBackend): void {
  describe(`the backend contract: ${backend.name}`, () => {
    const watch = popupsOfEachTest();

    for (const flow of ['4a', '4b'] as const) {
      it(`flow ${flow}: connected with only element, instanceId and name; the instance id reflected; one oauth/url call`, async () => {
        const { el, id } = await backend.mount(flow, 'allow');
        const { type, detail } = await clickForOutcome(el);
        expect(type).to.equal('connected');
        expect(Object.keys(detail).filter((key) => !['element', 'instanceId', 'name'].includes(key))).to.deep.equal([]);
        expect(detail.element).to.equal('sfdc');
        expect(detail.instanceId).to.be.a('string').and.not.equal('');
        expect(el.getAttribute('instance-id')).to.equal(detail.instanceId);
        expect(el.status).to.equal('connected');
        expect((await backendStats(id)).oauthUrl).to.equal(1);
      });

      it(`flow ${flow}: held at oauth/url, the button is connecting and aria-busy; released, it connects`, async () => {
        const { el, id } = await backend.mount(flow, 'allow', ['url']);
        const connected = oneEvent(el, 'connected');
        await realClick(el);
        await held(id, 'url');
        await el.updateComplete;
        expect(el.status).to.equal('connecting');
        expect(innerButton(el).getAttribute('aria-busy')).to.equal('true');
        await release(id, 'url');
        await connected;
        expect(el.status).to.equal('connected');
      });

      it(`flow ${flow}: the user denies at the provider → connect-error provider-denied, no instance id`, async () => {
        const { el } = await backend.mount(flow, 'deny');
        const { type, detail } = await clickForOutcome(el);
        expect(type).to.equal('connect-error');
        expect(detail.code).to.equal('provider-denied');
        expect(el.instanceId).to.equal('');
      });

      it(`flow ${flow}: a click on the connected button reconnects the same instance → connected with reconnected: true`, async function () {
        // Two whole sign-ins with real popups: twice the time one test is given (Firefox's popups are slow).
        this.timeout(20000);
        const { el, id } = await backend.mount(flow, 'allow');
        const first = await clickForOutcome(el);
        expect(first.type).to.equal('connected');
        // The first flow's popup must be gone before the second click opens another.
        await popupClosed(watch.popups[0]!);
        const second = await clickForOutcome(el);
        expect(second.type).to.equal('connected');
        expect(second.detail).to.include({ element: 'sfdc', instanceId: first.detail.instanceId, reconnected: true });
        expect((await backendStats(id)).oauthUrl).to.equal(2);
      });
    }
  });
}
