// What the browser tests ask of the test backends (test/support/fake-backend.mjs, real-backend.mjs): a button
// mounted on a fresh scenario, what the backend saw for it, and the gates that hold one of its steps.
import { fixture, html } from '@open-wc/testing';
import '../../src/index.js';
import type { CeConnectButton } from '../../src/index.js';
import { waitUntil } from './helpers.js';

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
