// Texts: one table (src/texts.ts), replaceable per element (`texts`) or per language for the page
// (`defineTexts`), with translations as separate modules picked by the nearest `lang`.
import { expect, fixture, html } from '@open-wc/testing';
import '../src/i18n/de.js';
import '../src/i18n/es.js';
import '../src/i18n/fr.js';
import '../src/i18n/ja.js';
import { TEXTS, defineTexts, type CeConnectButton } from '../src/index.js';
import { held, release, uid } from './support/backend.js';
import { innerButton, label, nextOutcome, realClick, statusLine } from './support/helpers.js';

async function inLang(lang: string, attributes = ''): Promise<CeConnectButton> {
  const wrapper = await fixture<HTMLDivElement>(
    html`<div lang=${lang}><ce-connect-button element="sfdc" api-base=${`/api/t/${uid()}/${attributes}`}></ce-connect-button></div>`,
  );
  const el = wrapper.querySelector('ce-connect-button')!;
  await el.updateComplete;
  return el;
}

describe('texts and languages', () => {
  it('speaks the language of the nearest lang: German, French, Spanish, Japanese', async () => {
    expect(label(await inLang('de'))).to.equal('Mit Salesforce verbinden');
    expect(label(await inLang('fr'))).to.equal('Se connecter à Salesforce');
    expect(label(await inLang('es'))).to.equal('Conectar con Salesforce');
    expect(label(await inLang('ja'))).to.equal('Salesforce に接続');
  });

  it('a regional tag falls back to its language, an unknown language to English', async () => {
    expect(label(await inLang('de-CH'))).to.equal('Mit Salesforce verbinden');
    expect(label(await inLang('pt-BR'))).to.equal('Connect to Salesforce');
  });

  it("the element's own lang wins over its ancestors'", async () => {
    const wrapper = await fixture<HTMLDivElement>(
      html`<div lang="de"><ce-connect-button lang="fr" element="box"></ce-connect-button></div>`,
    );
    const el = wrapper.querySelector('ce-connect-button')!;
    await el.updateComplete;
    expect(label(el)).to.equal('Se connecter à Box');
  });

  it('every status line and label is translated, including the connected and reconnect states', async () => {
    const el = await inLang('de');
    el.instanceId = '42';
    el.disconnectable = true;
    await el.updateComplete;
    expect(label(el)).to.equal('Mit Salesforce verbunden');
    expect(statusLine(el)).to.equal('Verbunden. Klicken, um erneut zu verbinden.');
    expect(el.shadowRoot!.querySelector('[part="disconnect"]')!.textContent).to.equal('Trennen');
  });

  it('the waiting line is translated while the flow is held', async () => {
    const el = await inLang('es', 'gate-url');
    const id = el.apiBase.split('/')[3];
    await realClick(el);
    await held(id, 'url');
    expect(statusLine(el)).to.equal('Esperando a Salesforce…');
    el.cancel();
    await release(id, 'url');
  });

  it('a default error message is shown, and reported, in the page language', async () => {
    const el = await inLang('de', 'bjs');
    const outcome = nextOutcome(el);
    await realClick(el);
    const event = await outcome;
    expect(event.detail).to.include({ code: 'invalid-oauth-url', message: 'Die Anmelde-URL war unsicher.' });
    expect(statusLine(el)).to.equal('Die Anmelde-URL war unsicher.');
  });

  it('a message from the network is shown as it came, as text only', async () => {
    const el = await inLang('de', 'b500');
    const outcome = nextOutcome(el);
    await realClick(el);
    await outcome;
    expect(statusLine(el)).to.equal('<img src=x onerror="window.__pwned=1">Cloud Elements is down');
    expect(el.shadowRoot!.querySelector('img')).to.equal(null);
  });

  it('the texts property replaces any text of one button', async () => {
    const el = await inLang('en');
    el.texts = { connectTo: 'Link your {provider} account' };
    await el.updateComplete;
    expect(label(el)).to.equal('Link your Salesforce account');
    const other = await inLang('en');
    expect(label(other)).to.equal('Connect to Salesforce');
  });

  it('defineTexts replaces a text for every button of a language on the page', async () => {
    defineTexts('en', { connectTo: 'Hook up {provider}' });
    try {
      expect(label(await inLang('en'))).to.equal('Hook up Salesforce');
      expect(label(await inLang('de'))).to.equal('Mit Salesforce verbinden');
    } finally {
      defineTexts('en', { connectTo: TEXTS.connectTo });
    }
  });

  it('a slotted label still wins over every text', async () => {
    const wrapper = await fixture<HTMLDivElement>(
      html`<div lang="ja"><ce-connect-button element="sfdc">Hook up</ce-connect-button></div>`,
    );
    const el = wrapper.querySelector('ce-connect-button')!;
    await el.updateComplete;
    expect(el.textContent).to.equal('Hook up');
    expect(innerButton(el).querySelector('slot')!.assignedNodes()[0].textContent).to.equal('Hook up');
  });
});
