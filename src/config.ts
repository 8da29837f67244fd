import type { FlowConfig } from './connect-flow.js';
import { ELEMENT_KEY_PATTERN } from './elements.js';
import { ConnectError } from './errors.js';
import { isLoopbackHost } from './oauth-url.js';

/** The element's public settings a flow is built from. */
export interface ButtonSettings {
  element: string;
  apiBase: string;
  callbackOrigin: string;
  instanceName: string;
  timeout: number;
  closedGrace: number;
}

// Settings that would put a secret in the browser. Their presence alone refuses the flow (catalogue A-14).
const SECRET_ATTRIBUTES = ['api-secret', 'user-secret', 'organization-secret', 'element-token'];
const SECRET_PROPERTIES = ['apiSecret', 'userSecret', 'organizationSecret', 'elementToken'];

const invalid = (message: string) => new ConnectError('invalid-config', message);

/** Validates the settings and captures them for one flow; throws `invalid-config`. No request is made before this passes. */
export function readFlowConfig(host: ButtonSettings & HTMLElement): FlowConfig {
  const { element, instanceName, timeout, closedGrace } = host;
  if (typeof element !== 'string' || !ELEMENT_KEY_PATTERN.test(element)) {
    throw invalid('Invalid "element".');
  }
  if (SECRET_ATTRIBUTES.some((name) => host.hasAttribute(name)) || SECRET_PROPERTIES.some((name) => (host as unknown as Record<string, unknown>)[name] !== undefined)) {
    throw invalid('Secrets belong on the server.');
  }
  if (typeof instanceName !== 'string' || instanceName.length > 256) throw invalid('Invalid "instance-name".');
  if (!(timeout > 0 && timeout <= 2_147_483_647)) throw invalid('Invalid "timeout".');
  if (!(closedGrace >= 0 && closedGrace <= 60_000)) throw invalid('Invalid "closed-grace".');
  return {
    element,
    apiBase: resolveApiBase(host.apiBase),
    callbackOrigin: resolveCallbackOrigin(host.callbackOrigin),
    instanceName,
    timeout,
    closedGrace,
  };
}

/** The backend base URL: http(s), no credentials; another origin only over https (or on loopback). */
function resolveApiBase(apiBase: string): URL {
  let url: URL;
  try {
    url = new URL(apiBase || '/api/ce', document.baseURI);
  } catch {
    throw invalid('Invalid "api-base".');
  }
  const sameOrigin = url.origin === location.origin;
  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && (sameOrigin || isLoopbackHost(url.hostname)));
  if (!secure || url.username || url.password) {
    throw invalid('Invalid "api-base".');
  }
  url.search = '';
  url.hash = '';
  return url;
}

/** The exact origin callback messages must come from: an origin alone, never a wildcard. */
function resolveCallbackOrigin(callbackOrigin: string): string {
  if (!callbackOrigin) return location.origin;
  try {
    const url = new URL(callbackOrigin);
    if ((url.protocol === 'https:' || url.protocol === 'http:') && url.origin === callbackOrigin) return callbackOrigin;
  } catch {
    // fall through to the error
  }
  throw invalid('Invalid "callback-origin".');
}
