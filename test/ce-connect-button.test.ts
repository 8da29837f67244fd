import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import {
  CeConnectButton,
  ConnectCancelEvent,
  ConnectErrorEvent,
  ConnectStartEvent,
  ConnectedEvent,
  TAG_NAME,
} from '../src/index.js';
import { innerButton } from './support/helpers.js';

const LABELS: Record<string, string> = {
  sfdc: 'Connect to Salesforce',
  hubspot: 'Connect to HubSpot',
  box: 'Connect to Box',
  dropbox: 'Connect to Dropbox',
  googledrive: 'Connect to Google Drive',
  onedrivev2: 'Connect to OneDrive',
  sharepoint: 'Connect to SharePoint',
  quickbooks: 'Connect to QuickBooks Online',
  zendesk: 'Connect to Zendesk',
  slack: 'Connect to Slack',
};

/** The label a person sees: the slot's own content, or its fallback. */
function visibleLabel(el: CeConnectButton): string {
  const slot = el.shadowRoot!.querySelector('slot')!;
  const assigned = slot.assignedNodes();
  const nodes = assigned.length ? assigned : [...slot.childNodes];
  return nodes
    .filter((n) => n.nodeType === Node.TEXT_NODE)
    .map((n) => n.textContent)
    .join('')
    .trim();
}

describe('<ce-connect-button> rendering and API', () => {
  it('is registered once, guarded, under its tag', async () => {
    expect(customElements.get(TAG_NAME)).to.equal(CeConnectButton);
    // A second evaluation of the registration module (a new URL, so not the cached module) must not throw:
    // without the guard, customElements.define would throw "already defined" here.
    await import(`../src/define.ts?second-load=${crypto.randomUUID()}`);
    expect(document.createElement('ce-connect-button')).to.be.instanceOf(CeConnectButton);
  });

  it("has the contract's defaults", async () => {
    const el = await fixture<CeConnectButton>(html`<ce-connect-button></ce-connect-button>`);
    expect(el).to.include({
      element: '',
      apiBase: '/api/ce',
      instanceName: '',
      instanceId: '',
      disabled: false,
      timeout: 300000,
      callbackOrigin: '',
      status: 'idle',
    });
    expect(el.getAttribute('status')).to.equal('idle');
  });

  for (const [key, label] of Object.entries(LABELS)) {
    it(`labels ${key} "${label}" by default`, async () => {
      const el = await fixture<CeConnectButton>(html`<ce-connect-button element=${key}></ce-connect-button>`);
      expect(visibleLabel(el)).to.equal(label);
    });
  }

  it('labels an unknown or invalid key "Connect" and never renders the key', async () => {
    const el = await fixture<CeConnectButton>(html`<ce-connect-button element="<b>x</b>"></ce-connect-button>`);
    expect(visibleLabel(el)).to.equal('Connect');
    expect(el.shadowRoot!.innerHTML).not.to.contain('<b>');
  });

  it('uses slotted content as the label', async () => {
    const el = await fixture<CeConnectButton>(
      html`<ce-connect-button element="sfdc">Link your CRM</ce-connect-button>`,
    );
    expect(visibleLabel(el)).to.equal('Link your CRM');
  });

  it('renders a real <button part="button"> with aria-busy and a polite status line', async () => {
    const el = await fixture<CeConnectButton>(html`<ce-connect-button element="sfdc"></ce-connect-button>`);
    const button = innerButton(el);
    expect(button.tagName).to.equal('BUTTON');
    expect(button.getAttribute('part')).to.equal('button');
    expect(button.type).to.equal('button');
    expect(button.getAttribute('aria-busy')).to.equal('false');
    const status = el.shadowRoot!.querySelector('[part="status"]')!;
    expect(status.getAttribute('role')).to.equal('status');
    expect(button.getAttribute('aria-describedby')).to.equal(status.id);
    await expect(el).shadowDom.to.be.accessible();
  });

  it('reflects disabled, and shows the connected state when instance-id is set', async () => {
    const el = await fixture<CeConnectButton>(
      html`<ce-connect-button element="box" disabled instance-id="42"></ce-connect-button>`,
    );
    expect(innerButton(el).disabled).to.equal(true);
    expect(el.status).to.equal('connected');
    expect(el.getAttribute('status')).to.equal('connected');
    el.instanceId = '';
    await el.updateComplete;
    expect(el.status).to.equal('idle');
    el.disabled = false;
    await el.updateComplete;
    expect(el.hasAttribute('disabled')).to.equal(false);
  });

  it('status is read-only: neither the property nor the reflected attribute drives it', async () => {
    const el = await fixture<CeConnectButton>(html`<ce-connect-button element="sfdc"></ce-connect-button>`);
    // A getter without a setter: the assignment throws in strict code, and must change nothing either way.
    expect(() => ((el as unknown as { status: string }).status = 'connecting')).to.throw(TypeError);
    el.setAttribute('status', 'connecting');
    el.requestUpdate();
    await el.updateComplete;
    expect(el.status).to.equal('idle');
    expect(el.getAttribute('status')).to.equal('idle');
    expect(innerButton(el).getAttribute('aria-busy')).to.equal('false');
  });

  it('define(tag, registry) registers the element under another tag, once', async () => {
    const tag = `my-connect-${crypto.randomUUID().slice(0, 8)}`;
    CeConnectButton.define(tag);
    CeConnectButton.define(tag); // taken already: nothing happens
    const el = await fixture<CeConnectButton>(`<${tag} element="sfdc"></${tag}>`);
    expect(el).to.be.instanceOf(CeConnectButton);
    expect(el.status).to.equal('idle');
    expect(customElements.get(TAG_NAME)).to.equal(CeConnectButton);
  });

  it('maps every attribute to its property', async () => {
    const el = await fixture<CeConnectButton>(
      html`<ce-connect-button element="slack" api-base="/x" instance-name="N" timeout="5" callback-origin="https://a.example"></ce-connect-button>`,
    );
    expect(el).to.include({
      element: 'slack',
      apiBase: '/x',
      instanceName: 'N',
      timeout: 5,
      callbackOrigin: 'https://a.example',
    });
  });

  it('is themable through --ce-connect-* custom properties and ::part(button)', async () => {
    const el = await fixture<CeConnectButton>(
      html`<ce-connect-button element="sfdc" style="--ce-connect-background: rgb(1, 2, 3); --ce-connect-radius: 0px"></ce-connect-button>`,
    );
    const style = getComputedStyle(innerButton(el));
    expect(style.backgroundColor).to.equal('rgb(1, 2, 3)');
    expect(style.borderTopLeftRadius).to.equal('0px');
  });

  it('event classes: static names, bubbling and composed, typed details', async () => {
    expect([
      ConnectStartEvent.eventName,
      ConnectedEvent.eventName,
      ConnectErrorEvent.eventName,
      ConnectCancelEvent.eventName,
    ]).to.deep.equal(['connect-start', 'connected', 'connect-error', 'connect-cancel']);
    const event = new ConnectedEvent({ element: 'sfdc', instanceId: '1' });
    expect(event).to.include({ bubbles: true, composed: true, cancelable: false });
    expect(new ConnectStartEvent({ element: 'sfdc' }).cancelable).to.equal(true);
    const el = await fixture<CeConnectButton>(html`<div><ce-connect-button element="sfdc"></ce-connect-button></div>`);
    const heard = oneEvent(document.body, 'connected');
    el.firstElementChild!.dispatchEvent(new ConnectedEvent({ element: 'sfdc', instanceId: '1' }));
    expect((await heard).detail.instanceId).to.equal('1');
  });
});
