import { fixture, html, oneEvent, waitUntil as waitUntilWithin } from '@open-wc/testing';
import { sendMouse } from '@web/test-runner-commands';
import '../../src/index.js';
import type { CeConnectButton } from '../../src/index.js';

/**
 * Waits for a condition, polling. open-wc's default bound (1 s) is too tight for a loaded 2-core machine; a
 * bound here only turns a hang into a failure, so it is generous.
 */
export function waitUntil(
  predicate: () => unknown,
  message?: string,
  options: { interval?: number; timeout?: number } = {},
): Promise<void> {
  return waitUntilWithin(predicate, message, { timeout: 5000, ...options });
}

/**
 * A fresh id, so each test's backend scenario, request counts and gates are its own — unique across the
 * browsers that share one backend.
 */
export function uid(): string {
  return crypto.randomUUID();
}

/** What the fake backend saw for one test. */
export interface BackendStats {
  providerOrigin: string;
  oauthUrl: number;
  instances: number;
  callback: number;
  state: string | null;
  name?: string | null;
  /** The gated steps with a request parked right now (see test/support/gates.mjs). */
  waiting: GateStep[];
  /** Real backend: the instances `onInstanceCreated` received, with their Element Tokens. */
  created: Array<{ id: string; name: string; token: string }>;
  /** Real backend: the instances `onInstanceReconnected` received (same id, new token) and `onInstanceDeleted` removed. */
  reconnected: Array<{ id: string; token: string }>;
  deleted: string[];
  /** Real backend: where the provider (the sandbox) sent the popup back to. */
  providerRedirect: string | null;
  /** Real backend: the providerData the handler sent with its last POST /instances to Cloud Elements. */
  providerData: Record<string, string> | null;
  /** Fake backend: the `instance` and `site` of the last oauth/url request; status checks and deletes made. */
  instanceParam?: string | null;
  site?: string | null;
  checks?: number;
  deletes?: number;
  /** Fake backend: the `mode` and `return` of the last oauth/url request (redirect mode). */
  mode?: string | null;
  returnUrl?: string | null;
  /** Fake backend: the JSON body of the last POST /instances. */
  instanceBody?: { element?: { key: string }; providerData?: Record<string, string>; state?: string; name?: string };
}

/** A step of the flow a test can hold: add `gate-{step}` to the backend flags. */
export type GateStep = 'url' | 'consent' | 'instances' | 'callback';

export async function backendStats(id: string): Promise<BackendStats> {
  return (await fetch(`/api/stats/${id}`)).json();
}

/** Resolves once the backend (or provider) holds a request of `step` for test `id`: the flow cannot move on. */
export async function held(id: string, step: GateStep): Promise<void> {
  await waitUntil(async () => (await backendStats(id)).waiting.includes(step), `the ${step} step should be held`, {
    timeout: 5000,
  });
}

/** Lets the held `step` of test `id` (and every later request of it) go on. */
export async function release(id: string, step: GateStep): Promise<void> {
  await fetch(`/api/gate/${id}/${step}`, { method: 'POST' });
}

/** Mounts a button whose backend behaves as `flags` say (see test/support/fake-backend.mjs). */
export function mountButton(
  flags: string,
  attributes: Record<string, string> = {},
): Promise<{ el: CeConnectButton; id: string }> {
  return mountAt((id) => `/api/t/${id}/${flags}`, attributes);
}

/** Mounts an sfdc button on a fresh test id whose `api-base` is `apiBase(id)`, then sets `attributes`. */
async function mountAt(
  apiBase: (id: string) => string,
  attributes: Record<string, string>,
): Promise<{ el: CeConnectButton; id: string }> {
  const id = uid();
  const el = await fixture<CeConnectButton>(
    html`<ce-connect-button element="sfdc" api-base=${apiBase(id)} closed-grace="100"></ce-connect-button>`,
  );
  for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, value);
  await el.updateComplete;
  return { el, id };
}

/** The scenarios of the real backend (ce-connect/server + the sandbox): see test/support/real-backend.mjs. */
export type RealScenario = '4a' | '4b' | '4a-deny' | '4b-deny' | '4a-xfail' | '4b-xfail' | 'burl' | '4a-elsewhere';

/** Mounts a button on the real backend; `gates` lists the steps to hold (`gate-url,gate-instances`…). */
export function mountOnRealBackend(
  scenario: RealScenario,
  gates = '-',
  attributes: Record<string, string> = {},
): Promise<{ el: CeConnectButton; id: string }> {
  return mountAt((id) => `/api/real/${scenario}/${id}/${gates}`, attributes);
}

/** The native button inside the shadow root. */
export function innerButton(el: CeConnectButton): HTMLButtonElement {
  return el.shadowRoot!.querySelector('button')!;
}

/** A real mouse click (a user gesture, unlike `el.click()`), in the middle of the button. */
export async function realClick(el: CeConnectButton): Promise<void> {
  el.scrollIntoView({ block: 'center' });
  const box = innerButton(el).getBoundingClientRect();
  await sendMouse({ type: 'click', position: [Math.round(box.x + box.width / 2), Math.round(box.y + box.height / 2)] });
  await sendMouse({ type: 'move', position: [0, 0] });
}

/** Watches window.open without replacing it: the real popup still opens; the test gets its handle. */
export function watchPopups(): { popups: Window[]; restore(): void } {
  const original = window.open;
  const popups: Window[] = [];
  window.open = function (...args: Parameters<typeof window.open>) {
    const popup = original.apply(window, args);
    if (popup) popups.push(popup);
    return popup;
  };
  return { popups, restore: () => (window.open = original) };
}

/**
 * Watches popups around every test of the calling `describe` (it registers the mocha hooks): `popups` holds the
 * running test's popup handles, and each is closed after it, so no test sees another's popup.
 */
export function popupsOfEachTest(): { readonly popups: Window[] } {
  let watch: ReturnType<typeof watchPopups> | undefined;
  beforeEach(() => {
    watch = watchPopups();
  });
  afterEach(() => {
    watch!.restore();
    for (const popup of watch!.popups) popup.close();
  });
  return {
    get popups() {
      return watch!.popups;
    },
  };
}

/** The button's label as a user reads it (the slotted text). */
export function label(el: CeConnectButton): string {
  return el.shadowRoot!.querySelector('slot')!.textContent!.trim();
}

/** The status line under the button (`part="status"`), as read aloud. */
export function statusLine(el: CeConnectButton): string {
  return el.shadowRoot!.querySelector('[part="status"]')!.textContent!.trim();
}

/** Records what the page writes to the console (every call still goes through), for "never logged" checks. */
export function captureConsole(): { logged: string[]; restore(): void } {
  const logged: string[] = [];
  const originals = {
    log: console.log,
    info: console.info,
    warn: console.warn,
    error: console.error,
    debug: console.debug,
  };
  for (const name of Object.keys(originals) as Array<keyof typeof originals>) {
    console[name] = (...args: unknown[]) => {
      logged.push(args.map(String).join(' '));
      originals[name](...args);
    };
  }
  return { logged, restore: () => Object.assign(console, originals) };
}

/** Resolves with the first of the button's terminal events. */
export function nextOutcome(el: CeConnectButton): Promise<Event & { detail: Record<string, unknown> }> {
  return Promise.race(['connected', 'connect-error', 'connect-cancel'].map((name) => oneEvent(el, name))) as Promise<
    Event & { detail: Record<string, unknown> }
  >;
}

/** Waits until the popup handle reads closed. */
export async function popupClosed(popup: Window): Promise<void> {
  await waitUntil(() => popup.closed, 'the popup should be closed');
}

/**
 * Runs `action` inside a real click on a helper button (`connect()` needs a user gesture, like window.open)
 * and hands back what it returned, wrapped so that a returned promise is not awaited here.
 */
export async function clickToCall<T>(action: () => T): Promise<{ result: T }> {
  let result: T | undefined;
  const trigger = document.createElement('button');
  trigger.textContent = 'run';
  trigger.addEventListener('click', () => (result = action()));
  document.body.prepend(trigger);
  trigger.scrollIntoView({ block: 'center' });
  const box = trigger.getBoundingClientRect();
  await sendMouse({ type: 'click', position: [Math.round(box.x + box.width / 2), Math.round(box.y + box.height / 2)] });
  trigger.remove();
  return { result: result as T };
}

/** Resolves when this window receives `marker` by postMessage: messages from one source arrive in order. */
export function messageMarker(marker: string): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (event: MessageEvent) => {
      if (event.data !== marker) return;
      window.removeEventListener('message', onMessage);
      resolve();
    };
    window.addEventListener('message', onMessage);
  });
}
