// Every kind of element through the same button (docs/kinds.md), against the real handler and the sandbox
// (test/support/real-backend.mjs): OAuth 1 (twitter) and credentials (zohocrm, jira) end in `connected`, in a real
// popup and in redirect mode; axe-core finds nothing on the credentials form, light and dark.
import 'axe-core/axe.min.js'; // registers window.axe
import type { RunOptions } from 'axe-core';
import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { emulateMedia } from '@web/test-runner-commands';
import type { CeConnectButton } from '../src/index.js';
import { skipIn } from './support/engines.js';
import { backendStats, uid } from './support/backend.js';
import { clickToCall, realClick, waitUntil } from './support/helpers.js';
import { popupClosed, popupsOfEachTest } from './support/popups.js';

const axe = (window as unknown as { axe: typeof import('axe-core') }).axe;
const ZOHO = { 'crm.zohocrm.username': 'demo@example.com', 'crm.zohocrm.password': 'sandbox-password' };

async function mount(element: string, id: string): Promise<CeConnectButton> {
  return fixture<CeConnectButton>(
    html`<ce-connect-button element=${element} api-base="/api/real/4a/${id}/-" closed-grace="100"></ce-connect-button>`,
  );
}

/** Waits for `win` to show the credentials form, fills it and submits it as the user would. */
async function fillForm(win: () => Window | null, values: Record<string, string>): Promise<void> {
  await waitUntil(
    () => {
      try {
        return win()?.document.querySelector('form') && win()!.document.readyState === 'complete';
      } catch {
        return false;
      }
    },
    'the credentials form should load',
    { timeout: 8000 },
  );
  const form = win()!.document.querySelector('form')!;
  for (const [name, value] of Object.entries(values)) (form.elements.namedItem(name) as HTMLInputElement).value = value;
  form.requestSubmit();
}

describe('every kind of element through the same button (real server)', () => {
  const watch = popupsOfEachTest();

  it('OAuth 1 (twitter) in a popup: connected with the instance the server created', async () => {
    const id = uid();
    const el = await mount('twitter', id);
    const connected = oneEvent(el, 'connected');
    await realClick(el);
    const { detail } = await connected;
    const { created } = await backendStats(id);
    expect(created.map((c) => c.id)).to.deep.equal([detail.instanceId]);
    expect(detail.element).to.equal('twitter');
    await popupClosed(watch.popups[0]!);
  });

  it('credentials (zohocrm) in a popup: the form is filled and posted, connected; the password is nowhere in the page', async () => {
    const id = uid();
    const el = await mount('zohocrm', id);
    const connected = oneEvent(el, 'connected');
    await realClick(el);
    await fillForm(() => watch.popups[0] ?? null, ZOHO);
    const { detail } = await connected;
    const { created } = await backendStats(id);
    expect(created.map((c) => c.id)).to.deep.equal([detail.instanceId]);
    expect(JSON.stringify(detail)).not.to.contain(ZOHO['crm.zohocrm.password']);
    expect(document.documentElement.outerHTML).not.to.contain(ZOHO['crm.zohocrm.password']);
  });

  for (const [element, values] of [
    ['twitter', undefined],
    ['jira', { username: 'demo@example.com', password: 'sandbox-password', 'base.url': 'https://acme.atlassian.net' }],
  ] as const) {
    it(`${element} in redirect mode: goes and comes back connected`, async () => {
      const id = uid();
      let tab: Window | null = null;
      const messages: Array<{ kind: string; name?: string; detail?: { instanceId?: string } }> = [];
      const onMessage = (event: MessageEvent) => {
        if (event.source === tab && event.data?.source === 'redirect-host') messages.push(event.data);
      };
      addEventListener('message', onMessage);
      try {
        // A window of its own: the credentials form may not be framed (frame-ancestors 'none').
        const query = new URLSearchParams({ element, 'api-base': `/api/real/4a/${id}/-`, mode: 'redirect' });
        await clickToCall(() => (tab = window.open(`/test/fixtures/redirect-host.html?${query}`, '_blank')));
        await waitUntil(() => messages.some((m) => m.kind === 'ready'), 'the host page should load', { timeout: 8000 });
        tab!.document.querySelector('ce-connect-button')!.shadowRoot!.querySelector('button')!.click();
        if (values) await fillForm(() => tab, values);
        await waitUntil(() => messages.some((m) => m.name === 'connected'), 'the host page should report connected', {
          timeout: 8000,
        });
        const { created } = await backendStats(id);
        expect(created).to.have.length(1);
        expect(messages.find((m) => m.name === 'connected')!.detail!.instanceId).to.equal(created[0]!.id);
      } finally {
        removeEventListener('message', onMessage);
        (tab as Window | null)?.close();
      }
    });
  }
});

/** Forcing the colour scheme takes CDP, which only Chromium offers here; light is every engine's default. */
const chromiumOnly = skipIn(['firefox', 'webkit'], 'emulateMedia needs CDP');

describe('axe-core on the credentials form', () => {
  let emulated = false;
  afterEach(async () => {
    if (emulated) await emulateMedia({ colorScheme: 'light' });
    emulated = false;
    document.getElementById('form-under-test')?.remove();
    document.getElementById('form-style')?.remove();
  });

  /** The form page's markup and style in this document (its own CSP forbids framing it and any script). */
  async function loadForm(refused: boolean): Promise<HTMLElement> {
    const id = uid();
    const start = await fetch(`/api/real/4a/${id}/-/zohocrm/oauth/url?lang=fr`, {
      headers: { 'X-CE-Connect': '1', Accept: 'application/json' },
    });
    const { oauthUrl } = await start.json();
    const response = refused
      ? await fetch(oauthUrl, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ 'crm.zohocrm.username': 'x@example.com', 'crm.zohocrm.password': 'wrong' }),
        })
      : await fetch(oauthUrl);
    expect(response.status).to.equal(refused ? 422 : 200);
    const page = new DOMParser().parseFromString(await response.text(), 'text/html');
    expect(page.documentElement.lang).to.equal('fr');
    expect(page.title).to.equal('Connecter Zoho CRM à ce-connect tests');
    const style = page.querySelector('style')!;
    style.id = 'form-style';
    document.head.append(document.adoptNode(style));
    const main = document.adoptNode(page.querySelector('main')!);
    main.id = 'form-under-test';
    main.lang = 'fr';
    document.body.append(main);
    return main;
  }

  for (const scheme of ['light', 'dark'] as const) {
    for (const refused of [false, true]) {
      (scheme === 'dark' ? chromiumOnly : it)(
        `${scheme}${refused ? ', after a refusal' : ''}: no violations, contrast checked`,
        async () => {
          if (scheme === 'dark') {
            await emulateMedia({ colorScheme: scheme });
            emulated = true;
          }
          const main = await loadForm(refused);
          const results = await axe.run(main, { resultTypes: ['violations', 'passes'] } as RunOptions);
          expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`)).to.deep.equal([]);
          expect(results.passes.some((r) => r.id === 'color-contrast')).to.equal(true);
          expect(results.passes.some((r) => r.id === 'label')).to.equal(true);
        },
      );
    }
  }
});
