// React with the real react-dom: `ce-connect/react` (the @lit/react wrapper) and React 19's bare tag, each
// completing real flows against ce-connect/server + the sandbox (test/support/real-backend.mjs) or the fake
// backend. React is served to the browser by test/support/react-esm.mjs.
import { expect } from '@open-wc/testing';
import React, { createElement, createRef } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { ConnectButton } from '../src/react.js';
import type { CeConnectButton } from '../src/index.js';
import { backendStats, held, uid } from './support/backend.js';
import { realClick, waitUntil } from './support/helpers.js';
import { popupClosed, popupsOfEachTest } from './support/popups.js';

/** Every call of every handler prop, in order: [prop name, the event's detail]. */
type Calls = Array<[string, unknown]>;

describe('React: ce-connect/react and the bare tag, with the real react-dom', () => {
  const watch = popupsOfEachTest();
  let root: Root | undefined;
  let container: HTMLElement;

  beforeEach(() => {
    container = document.createElement('div');
    document.body.append(container);
  });
  afterEach(() => {
    root?.unmount();
    root = undefined;
    container.remove();
  });

  /** Renders `element` into a fresh root; resolves with the upgraded <ce-connect-button> once rendered. */
  async function render(element: React.ReactElement): Promise<CeConnectButton> {
    root = createRoot(container);
    root.render(element);
    await waitUntil(() => container.querySelector('ce-connect-button'), 'React should render the element');
    const el = container.querySelector('ce-connect-button')!;
    await el.updateComplete;
    return el;
  }

  /**
   * Handler props named `start` and `terminals` that record into `calls`; `done` resolves at the first terminal one.
   */
  function recordingHandlers(calls: Calls, start: string, terminals: string[]) {
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const record = (name: string, terminal: boolean) => (event: Event & { detail: unknown }) => {
      calls.push([name, event.detail]);
      if (terminal) finish();
    };
    const props = Object.fromEntries([
      [start, record(start, false)],
      ...terminals.map((name) => [name, record(name, true)]),
    ]) as Record<string, (event: Event & { detail: unknown }) => void>;
    return { done, props };
  }

  /** The wrapper's handler props, recording into `calls`. */
  const wrapperHandlers = (calls: Calls) =>
    recordingHandlers(calls, 'onConnectStart', ['onConnected', 'onConnectError', 'onConnectCancel', 'onDisconnected']);

  /**
   * A real click through a whole flow of test `id`: the handlers `[start, connected]` were called in that order, the
   * second with the instance the server created, named `name`; the popup closes. Resolves with that instance's id.
   */
  async function clickThroughFlow(
    el: CeConnectButton,
    id: string,
    { calls, done }: { calls: Calls; done: Promise<void> },
    [start, connected]: [string, string],
    name: string,
  ): Promise<string> {
    await realClick(el);
    await done;
    const { created } = await backendStats(id);
    expect(calls).to.deep.equal([
      [start, { element: 'sfdc' }],
      [connected, { element: 'sfdc', instanceId: created[0].id, name }],
    ]);
    await popupClosed(watch.popups[0]);
    return created[0].id;
  }

  it("ConnectButton with a controlled instanceId: a re-render with the app's older id changes nothing and asks nothing", async () => {
    const id = uid();
    let setId!: (value: string) => void;
    let rerender!: () => void;
    let renders = 0;
    const marks: number[] = []; // the render count when each terminal event came
    function App() {
      const [instanceId, set] = React.useState('');
      const [, setTick] = React.useState(0);
      setId = set;
      rerender = () => setTick((tick) => tick + 1);
      renders += 1;
      // The app keeps its state as many apps do: it re-renders (with its older id) before it stores the new one.
      return createElement(ConnectButton, {
        element: 'sfdc',
        apiBase: `/api/t/${id}/allow`,
        closedGrace: 100,
        instanceId,
        onConnected: () => (marks.push(renders), rerender()),
        onDisconnected: () => (marks.push(renders), rerender()),
      });
    }
    const el = await render(createElement(App));
    const seen: string[] = [];
    const observer = new MutationObserver(() => seen.push(el.getAttribute('status')!));
    observer.observe(el, { attributes: true, attributeFilter: ['status'] });
    try {
      await realClick(el);
      await waitUntil(() => el.status === 'connected', 'the flow should connect');
      const connectedId = el.instanceId;
      await waitUntil(() => renders > marks[0], 'the app re-renders with its older id');
      const before = renders;
      await el.updateComplete;
      expect(el.status).to.equal('connected');
      setId(connectedId);
      await waitUntil(() => renders > before, 'the app stores the id');
      await el.updateComplete;
      await el.disconnect();
      await waitUntil(() => renders > marks[1], 'the app re-renders with the deleted id');
      const afterDisconnect = renders;
      await el.updateComplete;
      expect(el.status).to.equal('idle');
      setId('');
      await waitUntil(() => renders > afterDisconnect, 'the app forgets the id');
      await el.updateComplete;
    } finally {
      observer.disconnect();
    }
    expect(seen.filter((status, i) => status !== seen[i - 1])).to.deep.equal(['connecting', 'connected', 'idle']);
    expect(el.instanceId).to.equal('');
    expect((await backendStats(id)).checks ?? 0, 'no status request').to.equal(0);
  });

  it('ConnectButton: props become properties, the ref is the element, a real click completes flow 4b: onConnectStart, then onConnected', async () => {
    const id = uid();
    const calls: Calls = [];
    const { done, props } = wrapperHandlers(calls);
    const ref = createRef<CeConnectButton>();
    const el = await render(
      createElement(ConnectButton, {
        ref,
        element: 'sfdc',
        apiBase: `/api/real/4b/${id}/-`,
        instanceName: 'Acme CRM',
        closedGrace: 100,
        ...props,
      }),
    );
    expect(ref.current).to.equal(el);
    expect([el.element, el.apiBase, el.instanceName, el.closedGrace]).to.deep.equal([
      'sfdc',
      `/api/real/4b/${id}/-`,
      'Acme CRM',
      100,
    ]);

    const instanceId = await clickThroughFlow(el, id, { calls, done }, ['onConnectStart', 'onConnected'], 'Acme CRM');
    expect(el.instanceId).to.equal(instanceId);
  });

  it('ConnectButton: onConnectError with the code when Cloud Elements refuses the oauth/url call', async () => {
    const calls: Calls = [];
    const { done, props } = wrapperHandlers(calls);
    const el = await render(
      createElement(ConnectButton, {
        element: 'sfdc',
        apiBase: `/api/real/burl/${uid()}/-`,
        closedGrace: 100,
        ...props,
      }),
    );
    await realClick(el);
    await done;
    expect(calls.map(([name]) => name)).to.deep.equal(['onConnectStart', 'onConnectError']);
    expect((calls[1][1] as { code: string }).code).to.equal('backend');
  });

  it('ConnectButton: onConnectCancel when cancel() is called through the ref while the flow is held', async () => {
    const id = uid();
    const calls: Calls = [];
    const { done, props } = wrapperHandlers(calls);
    const ref = createRef<CeConnectButton>();
    await render(
      createElement(ConnectButton, {
        ref,
        element: 'sfdc',
        apiBase: `/api/real/4a/${id}/gate-url`,
        closedGrace: 100,
        ...props,
      }),
    );
    await realClick(ref.current!);
    await held(id, 'url');
    ref.current!.cancel();
    await done;
    expect(calls).to.deep.equal([
      ['onConnectStart', { element: 'sfdc' }],
      ['onConnectCancel', { element: 'sfdc', reason: 'aborted' }],
    ]);
  });

  it('ConnectButton: mode="redirect" and onConnectRedirect: the host keeps the page with preventDefault(), then onConnectCancel', async () => {
    const id = uid();
    const calls: Calls = [];
    const { done, props } = wrapperHandlers(calls);
    const ref = createRef<CeConnectButton>();
    const onConnectRedirect = (event: Event & { detail: unknown }) => {
      calls.push(['onConnectRedirect', event.detail]);
      event.preventDefault();
    };
    await render(
      createElement(ConnectButton, {
        ref,
        element: 'sfdc',
        apiBase: `/api/real/4a/${id}/-`,
        mode: 'redirect',
        onConnectRedirect,
        ...props,
      }),
    );
    ref.current!.shadowRoot!.querySelector('button')!.click();
    await done;
    expect(calls).to.deep.equal([
      ['onConnectStart', { element: 'sfdc' }],
      ['onConnectRedirect', { element: 'sfdc' }],
      ['onConnectCancel', { element: 'sfdc', reason: 'aborted' }],
    ]);
    expect(sessionStorage.getItem('ce-connect:pending')).to.equal(null);
  });

  it('ConnectButton: onDisconnected when the backend does not know the instanceId the host set', async () => {
    const calls: Calls = [];
    const { done, props } = wrapperHandlers(calls);
    const el = await render(
      createElement(ConnectButton, {
        element: 'sfdc',
        apiBase: `/api/t/${uid()}/imissing`,
        instanceId: '4711',
        ...props,
      }),
    );
    await done;
    expect(calls).to.deep.equal([['onDisconnected', { element: 'sfdc', instanceId: '4711', reason: 'missing' }]]);
    expect(el.instanceId).to.equal('');
  });

  it('React 19, bare tag: attributes as written, `onconnect-start` and `onconnected` props listen, flow 4a completes', async () => {
    const id = uid();
    const calls: Calls = [];
    const { done, props } = recordingHandlers(calls, 'onconnect-start', ['onconnected', 'onconnect-error']);
    const el = await render(
      createElement('ce-connect-button', {
        element: 'sfdc',
        'api-base': `/api/real/4a/${id}/-`,
        'instance-name': 'Support desk',
        'closed-grace': '100',
        ...props,
      }),
    );
    expect([el.getAttribute('api-base'), el.instanceName, el.closedGrace]).to.deep.equal([
      `/api/real/4a/${id}/-`,
      'Support desk',
      100,
    ]);
    await clickThroughFlow(el, id, { calls, done }, ['onconnect-start', 'onconnected'], 'Support desk');
  });
});
