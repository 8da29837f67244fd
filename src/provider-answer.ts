/**
 * The provider's answer on the callback URL (RFC 6749 §4.1.2, docs/security.md C-7), read by the callback script
 * (flow 4b) and by ce-connect/server's callback route (flow 4a): one reader, so both ends accept the same answers.
 * `state` is the caller's to check. Shared by the browser bundles and Node: no DOM, no Node.
 */
import { CODE_PATTERN, ERROR_CODE_PATTERN, toDisplayText } from './protocol-rules.js';

/** The callback parameters that are not provider data: ours (`state`) and the OAuth answer's own; the first four at most once. */
const ANSWER_PARAMETERS = ['state', 'code', 'error', 'error_description', 'error_uri'];

/** A provider-data parameter name (QuickBooks `realmId`, …): the characters of an OAuth error code, 1–64 of them. */
export const PROVIDER_DATA_NAME_PATTERN = ERROR_CODE_PATTERN;
export const MAX_PROVIDER_DATA = 16;
export const MAX_PROVIDER_DATA_VALUE = 2048;

/**
 * Whether `data` is provider data within the bounds: an object whose own enumerable keys (at most 16) are names
 * of the pattern and whose values are strings of at most 2,048 characters. Never throws on a plain object.
 */
export function isProviderData(data: unknown): data is Record<string, string> {
  if (typeof data != 'object' || !data) return false;
  const entries = Object.entries(data);
  return (
    entries.length <= MAX_PROVIDER_DATA &&
    entries.every(
      // PROVIDER_DATA_NAME_PATTERN, named by what it is: an alias costs each bundle a few bytes.
      ([name, value]) =>
        ERROR_CODE_PATTERN.test(name) && typeof value == 'string' && value.length <= MAX_PROVIDER_DATA_VALUE,
    )
  );
}

/** The provider's answer: a code (with every other callback parameter as `providerData`), an error, or invalid; `description` is display text or ''. */
export type ProviderAnswer =
  | { readonly kind: 'code'; readonly code: string; readonly providerData?: Record<string, string> }
  | { readonly kind: 'error'; readonly error: string; readonly description: string }
  /** `invalid_callback`: provider data beyond the bounds; `invalid_request`: anything else malformed. */
  | { readonly kind: 'invalid'; readonly error: 'invalid_request' | 'invalid_callback'; readonly description: string };

const invalid = (error: 'invalid_request' | 'invalid_callback' = 'invalid_request'): ProviderAnswer => ({
  kind: 'invalid',
  error,
  description: '',
});

/**
 * Reads `code` or `error`/`error_description`; duplicates (of these or of `state`), both, neither or malformed
 * values are invalid. With a code, every other parameter (not `state`, not the error fields) is provider data: a
 * repeated name or one beyond the bounds makes the answer `invalid_callback`, so nothing of it is ever sent on.
 */
export function readProviderAnswer(query: URLSearchParams): ProviderAnswer {
  const code = query.get('code');
  const error = query.get('error');
  // A repeated `state` is checked here too, so the callback script needs no rule of its own for it.
  if (ANSWER_PARAMETERS.slice(0, 4).some((name) => query.getAll(name).length > 1) || (code !== null && error !== null))
    return invalid();
  // Without a description ('') the widget shows its own text for the error, in the page's language.
  if (error !== null)
    return ERROR_CODE_PATTERN.test(error)
      ? { kind: 'error', error, description: toDisplayText(query.get('error_description')) ?? '' }
      : invalid();
  if (!CODE_PATTERN.test(code ?? '')) return invalid();
  const extras = [...query].filter(([name]) => !ANSWER_PARAMETERS.includes(name));
  // fromEntries defines own properties: a parameter named `__proto__` is data, never a prototype.
  const providerData = Object.fromEntries(extras);
  if (Object.keys(providerData).length < extras.length || !isProviderData(providerData))
    return invalid('invalid_callback');
  return { kind: 'code', code: code!, ...(extras.length > 0 && { providerData }) };
}
