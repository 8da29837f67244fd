import { ConnectError } from './errors.js';
import { LOOPBACK_HOST, MAX_OAUTH_URL_LENGTH, SECRET_PARAMETER, STATE_PATTERN } from './protocol-rules.js';

/**
 * Parses `text` as an http(s) URL without user-info that is safe to send a user or a request to: https, or
 * plain http to the machine itself (or, with `allowHttp`, to a host the caller already trusts). Anything else,
 * including what does not parse, is `undefined`.
 */
export function parseSafeUrl(text: string, base?: string, allowHttp = false): URL | undefined {
  try {
    const url = new URL(text, base);
    const loopback = LOOPBACK_HOST.test(url.hostname);
    if (
      (url.protocol === 'https:' || (url.protocol === 'http:' && (allowHttp || loopback))) &&
      !url.username &&
      !url.password
    )
      return url;
  } catch {
    // not a URL
  }
  return undefined;
}

/**
 * Checks the provider URL the backend returned before the popup is pointed at it, and returns it parsed.
 * Parsing (not substring tests) decides the scheme, user-info and parameters, so `javascript:`, `data:` and
 * `https://a@b` fail here; white space, control characters and backslashes (which URL() would quietly
 * drop or rewrite) are refused before parsing. At most 8 KB; no client secret; no fragment (a provider never
 * needs one, and a secret could hide there).
 */
export function checkOAuthUrl(oauthUrl: string): URL {
  const url =
    oauthUrl.length <= MAX_OAUTH_URL_LENGTH && !/[\u0000-\u0020\u007f-\u00a0\\#]/.test(oauthUrl)
      ? parseSafeUrl(oauthUrl)
      : undefined;
  if (!url || [...url.searchParams.keys()].some((name) => SECRET_PARAMETER.test(name))) {
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
  if (typeof state !== 'string' || !STATE_PATTERN.test(state) || states.length > 1 || (states[0] ?? state) !== state) {
    throw new ConnectError('insecure-state');
  }
  return state;
}
