// Server-rendered React 19 pages, hydrated: the page's HTML comes from react-dom/server's renderToString in Node
// (the `react-ssr` command, test/support/react-ssr.mjs), the page hydrates it with hydrateRoot, and a real click
// completes a flow against ce-connect/server + the sandbox (test/support/real-backend.mjs). `ce-connect/react`
// is the built lib/react.js, as a user's bundler gets it; this file loads nothing from src/ (which
// test/support/helpers.ts would: it registers the element from the sources), hence its own small helpers.
import { expect, waitUntil } from '@open-wc/testing';
import { executeServerCommand, sendMouse } from '@web/test-runner-commands';
import { createElement, useEffect, type ReactNode } from 'react';
import { hydrateRoot, type Root } from 'react-dom/client';
import type { CeConnectButton } from '../src/index.js';
import type * as ReactEntry from '../src/react.js';

/** The built entry point (a path in a variable, so the type check does not need a build: the types are src's). */
const LIB_REACT = '../lib/react.js';

/** Every call of every handler prop, in order: [prop name, the event's detail]. */
type Calls = Array<[string, unknown]>;

/** The HTML a server sends for `kind`'s element with these props, and these handler props (no-ops there). */
function serverRender(kind: 'wrapper' | 'bare', props: Record<string, unknown>, handlers: string[]): Promise<string> {
  return executeServerCommand('react-ssr', { kind, props, handlers }) as Promise<string>;
}

/** Renders its children and nothing else (so the hydrated tree matches the server's); calls `onHydrated` once committed. */
function Hydrated({ onHydrated, children }: { onHydrated: () => void; children?: ReactNode }) {
  useEffect(onHydrated, [onHydrated]);
  return children;
}

/** A real mouse click (a user gesture) in the middle of the element's own button. */
async function realClick(el: CeConnectButton): Promise<void> {
  el.scrollIntoView({ block: 'center' });
  const box = el.shadowRoot!.querySelector('button')!.getBoundingClientRect();
  await sendMouse({ type: 'click', position: [Math.round(box.x + box.width / 2), Math.round(box.y + box.height / 2)] });
  await sendMouse({ type: 'move', position: [0, 0] });
}

/** The instances the real backend's `onInstanceCreated` received for test `id`. */
async function created(id: string): Promise<Array<{ id: string; name: string }>> {
  return ((await (await fetch(`/api/stats/${id}`)).json()) as { created: Array<{ id: string; name: string }> }).created;
}

describe('React 19 server rendering: renderToString in Node, then hydrateRoot in the page', () => {
  let ConnectButton: typeof ReactEntry.ConnectButton;
  let root: Root | undefined;
  let container: HTMLElement;
  let popups: Window[];
  let originalOpen: typeof window.open;

  before(async () => {
    ({ ConnectButton } = (await import(LIB_REACT)) as typeof ReactEntry);
  });
  beforeEach(() => {
    container = document.createElement('div');
    document.body.append(container);
    popups = [];
    originalOpen = window.open;
    window.open = (...args: Parameters<typeof window.open>) => {
      const popup = originalOpen.apply(window, args);
      if (popup) popups.push(popup);
      return popup;
    };
  });
  afterEach(() => {
    root?.unmount();
    root = undefined;
    container.remove();
    window.open = originalOpen;
    for (const popup of popups) popup.close();
  });

  /** Puts the server's HTML in the page and hydrates `tree` over it; resolves once hydration has committed. */
  async function hydrate(html: string, tree: ReactNode): Promise<{ el: CeConnectButton; recoverable: unknown[] }> {
    container.innerHTML = html;
    const el = container.querySelector('ce-connect-button')!;
    expect(el, 'the server rendered the element').to.be.instanceOf(HTMLElement);
    const recoverable: unknown[] = [];
    let hydrated!: () => void;
    const committed = new Promise<void>((resolve) => (hydrated = resolve));
    root = hydrateRoot(container, createElement(Hydrated, { onHydrated: hydrated }, tree), {
      onRecoverableError: (error) => recoverable.push(error),
    });
    await committed;
    // Hydrated, not rendered anew: React kept the server's node (a mismatch would have replaced it).
    expect(container.querySelector('ce-connect-button')).to.equal(el);
    await el.updateComplete;
    return { el, recoverable };
  }

  it('ConnectButton: hydration sets the props on the element, a real click completes flow 4b, onConnectStart then onConnected fire', async () => {
    const id = crypto.randomUUID();
    const props = { element: 'sfdc', apiBase: `/api/real/4b/${id}/-`, instanceName: 'Acme CRM', closedGrace: 100 };
    const handlerNames = ['onConnectStart', 'onConnected', 'onConnectError', 'onConnectCancel'];
    const html = await serverRender('wrapper', props, handlerNames);

    const calls: Calls = [];
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const handlers = Object.fromEntries(
      handlerNames.map((name) => [
        name,
        (event: Event & { detail: unknown }) => (
          calls.push([name, event.detail]),
          name !== 'onConnectStart' && finish()
        ),
      ]),
    );
    const { el, recoverable } = await hydrate(html, createElement(ConnectButton, { ...props, ...handlers }));
    expect([el.element, el.apiBase, el.instanceName, el.closedGrace]).to.deep.equal([
      'sfdc',
      props.apiBase,
      'Acme CRM',
      100,
    ]);

    await realClick(el);
    await done;
    const [instance] = await created(id);
    expect(calls).to.deep.equal([
      ['onConnectStart', { element: 'sfdc' }],
      ['onConnected', { element: 'sfdc', instanceId: instance.id, name: 'Acme CRM' }],
    ]);
    expect(el.instanceId).to.equal(instance.id);
    expect(recoverable).to.deep.equal([]);
  });

  it('the bare tag (the limitation): hydration keeps the attributes but attaches no `on…` listener; the element still connects', async () => {
    const id = crypto.randomUUID();
    const props = {
      element: 'sfdc',
      'api-base': `/api/real/4a/${id}/-`,
      'instance-name': 'Support desk',
      'closed-grace': '100',
    };
    const handlerNames = ['onconnect-start', 'onconnected', 'onconnect-error'];
    const html = await serverRender('bare', props, handlerNames);

    const calls: Calls = [];
    const handlers = Object.fromEntries(
      handlerNames.map((name) => [name, (event: Event & { detail: unknown }) => calls.push([name, event.detail])]),
    );
    const { el, recoverable } = await hydrate(html, createElement('ce-connect-button', { ...props, ...handlers }));
    expect([el.getAttribute('api-base'), el.instanceName, el.closedGrace]).to.deep.equal([
      props['api-base'],
      'Support desk',
      100,
    ]);

    // Added after hydration: a listener React attached while hydrating would run before this one.
    const connected = new Promise<Event & { detail: unknown }>((resolve) =>
      el.addEventListener('connected', (event) => resolve(event as Event & { detail: unknown }), { once: true }),
    );
    await realClick(el);
    const event = await connected;
    const [instance] = await created(id);
    expect(event.detail).to.deep.equal({ element: 'sfdc', instanceId: instance.id, name: 'Support desk' });
    expect(calls, 'React attached none of the bare tag’s event props at hydration').to.deep.equal([]);
    expect(recoverable).to.deep.equal([]);
    await waitUntil(() => popups[0]?.closed, 'the popup should be closed', { timeout: 10000 });
  });
});
