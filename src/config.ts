import { langOf } from './texts.js';
import type { ConnectMode, FlowConfig } from './connect-flow.js';
import { ConnectError } from './errors.js';
import { parseSafeUrl } from './oauth-url.js';
import { ELEMENT_KEY_PATTERN, isInstanceName } from './protocol-rules.js';

/** The element's public settings a flow is built from. */
export interface ButtonSettings {
  element: string;
  apiBase: string;
  callbackOrigin: string;
  instanceName: string;
  instanceId: string;
  site: string;
  mode: string;
  timeout: number;
  closedGrace: number;
}

// Settings that would put a secret in the browser: their presence alone, as attribute or as property
// (`api-secret` / `apiSecret`, …), refuses the flow (docs/security.md A-14).
const SECRETS = ['api-secret', 'user-secret', 'organization-secret', 'element-token'];

/** Validates the settings and captures them for one flow; throws `invalid-config`. No request is made before this passes. */
export function readFlowConfig(host: ButtonSettings & HTMLElement): FlowConfig {
  // Removing an attribute sets its property to null (frameworks do it): that means the default again.
  const { element } = host;
  const instanceName = host.instanceName ?? '';
  const timeout = host.timeout ?? 300_000;
  const closedGrace = host.closedGrace ?? 1000;
  const mode = (host.mode || 'popup') as ConnectMode;
  const check = (ok: unknown, setting: string) => {
    if (!ok) throw new ConnectError('invalid-config', `Invalid "${setting}".`);
  };
  check(typeof element === 'string' && ELEMENT_KEY_PATTERN.test(element), 'element');
  for (const name of SECRETS) {
    const property = name.replace(/-(.)/, (_, letter: string) => letter.toUpperCase());
    check(!host.hasAttribute(name) && (host as unknown as Record<string, unknown>)[property] === undefined, name);
  }
  // The server's rule (one module): a name it would refuse after the user consented would waste the sign-in.
  check(isInstanceName(instanceName), 'instance-name');
  check(/^(popup|redirect|auto)$/.test(mode), 'mode');
  check(timeout > 0 && timeout < 2 ** 31, 'timeout');
  check(closedGrace >= 0 && closedGrace <= 60_000, 'closed-grace');
  // The backend: same-origin (http allowed), or another origin over https (or on loopback).
  const base = parseSafeUrl(host.apiBase || '/api/ce', document.baseURI, true);
  check(base && (base.origin === location.origin || parseSafeUrl(base.href)), 'api-base');
  // Callback messages: one exact origin, never a wildcard or a path.
  const callbackOrigin = host.callbackOrigin || location.origin;
  check(parseSafeUrl(callbackOrigin, undefined, true)?.origin === callbackOrigin, 'callback-origin');
  // One form for every call: no query or fragment, one trailing slash (the paths are appended to it).
  base!.search = base!.hash = '';
  base!.pathname = base!.pathname.replace(/\/*$/, '/');
  // With an instance, the flow is a reconnect of it; the site is passed on as typed (the backend judges it).
  return {
    element,
    apiBase: base!,
    callbackOrigin,
    instanceName,
    instance: host.instanceId || undefined,
    site: host.site || undefined,
    mode,
    lang: langOf(host),
    timeout,
    closedGrace,
  };
}
