import { parseWebUrl } from '../node/url-rules.js';
import { jsonResponse } from './http.js';

/**
 * Redirect mode (docs/protocol.md §13): the `mode` and `return` query parameters of oauth/url. A flow started with
 * `mode=redirect` records its return URL in the signed flow cookie; the callback route sends the result there
 * and never reads a return address from any later request.
 */

/**
 * Longest return URL accepted, in characters of its normalised form. It travels in the flow cookie, which must
 * stay under the 4096 bytes browsers keep per cookie next to the name, site address and instance id.
 */
export const MAX_RETURN_URL_LENGTH = 1024;

/** What oauth/url records for the flow's mode: a return URL (redirect mode), or nothing (popup mode). */
export type ReturnInput =
  | { readonly ok: true; readonly returnUrl?: string }
  | { readonly ok: false; readonly field: 'mode' | 'return'; readonly response: Response };

/** `400 {"message", "field"}`: the field names the parameter, as for `site`. */
function refused(field: 'mode' | 'return', message: string): ReturnInput {
  return { ok: false, field, response: jsonResponse(400, { message, field }) };
}

/**
 * A return URL as the flow cookie keeps it: absolute http(s), no user-info, no fragment, only printable ASCII (a
 * browser's `location.href` is already percent-encoded), already in normalised form, at most
 * {@link MAX_RETURN_URL_LENGTH} characters. Used again when the cookie is read.
 */
export function isReturnUrl(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > MAX_RETURN_URL_LENGTH || !/^[\x21-\x7e]+$/.test(value)) return false;
  // A bare trailing "#" parses to an empty hash: refused as well, since the result's fragment is appended.
  if (value.includes('#')) return false;
  return parseWebUrl(value)?.href === value;
}

/**
 * Reads `mode` and `return`: no `mode` or `mode=popup` is a popup flow (`return` ignored); `mode=redirect` needs
 * exactly one `return`, an absolute http(s) URL on one of `allowedOrigins`, without user-info or fragment.
 * Anything else is a 400 naming the parameter, before any Cloud Elements call or flow cookie.
 */
export function readReturnInput(query: URLSearchParams, allowedOrigins: ReadonlySet<string>): ReturnInput {
  const modes = query.getAll('mode');
  if (modes.length > 1) return refused('mode', 'Expected at most one mode');
  const [mode = 'popup'] = modes;
  if (mode === 'popup') return { ok: true };
  if (mode !== 'redirect') return refused('mode', 'The mode must be "popup" or "redirect"');
  const values = query.getAll('return');
  if (values.length > 1) return refused('return', 'Expected one address to return to (return)');
  if (!values[0]) return refused('return', 'Redirect mode needs the address of the page to return to (return)');
  const raw = values[0] as string;
  const url = /^[\x21-\x7e]+$/.test(raw) && !raw.includes('#') ? parseWebUrl(raw) : undefined;
  if (!url) {
    return refused(
      'return',
      'The address to return to (return) must be an absolute http(s) URL without user name, password or fragment',
    );
  }
  if (raw.length > MAX_RETURN_URL_LENGTH || url.href.length > MAX_RETURN_URL_LENGTH) {
    return refused('return', `The address to return to (return) is longer than ${MAX_RETURN_URL_LENGTH} characters`);
  }
  if (!allowedOrigins.has(url.origin))
    return refused('return', 'The address to return to (return) is not on an allowed origin');
  return { ok: true, returnUrl: url.href };
}
