import { ConnectError } from './errors.js';
import { STATE_PATTERN } from './protocol.js';

/** True for hosts where plain http is acceptable: the machine itself. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * Checks the provider URL the backend returned before the popup is pointed at it, and returns it parsed.
 * Parsing (not substring tests) decides the scheme, user-info and parameters, so `javascript:`, `data:` and
 * `https://a@b` fail here; white space, control characters and backslashes (which URL() would quietly
 * drop or rewrite) are refused before parsing. At most 8 KB; no client secret.
 */
export function checkOAuthUrl(oauthUrl: string): URL {
  let url: URL | undefined;
  try {
    if (oauthUrl.length <= 8192 && !/[\u0000-\u0020\u007f-\u00a0\\]/.test(oauthUrl)) url = new URL(oauthUrl);
  } catch {
    // not an absolute URL
  }
  const secure = url && (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname)));
  if (!url || !secure || url.username || url.password || [...url.searchParams.keys()].some((name) => /^(client_|api_?)?secret$/i.test(name))) {
    throw new ConnectError('invalid-oauth-url');
  }
  return url;
}

/**
 * Checks the state the backend generated: at least 22 base64url characters, and the same one the provider
 * will echo back when the oauthUrl carries one.
 */
export function checkState(state: unknown, oauthUrl: URL): string {
  const states = oauthUrl.searchParams.getAll('state');
  if (typeof state !== 'string' || !STATE_PATTERN.test(state) || states.length > 1 || (states.length === 1 && states[0] !== state)) {
    throw new ConnectError('insecure-state');
  }
  return state;
}
