import { CODE_PATTERN, ERROR_CODE_PATTERN, toDisplayText } from '../protocol-rules.js';

/** The provider's answer on the callback URL, after the rules of RFC 6749 §4.1.2 and docs/security.md C-7. */
export type ProviderAnswer =
  | { readonly kind: 'code'; readonly code: string }
  | { readonly kind: 'error'; readonly error: string; readonly description: string }
  | { readonly kind: 'invalid'; readonly description: string };

/** Reads `code` or `error`/`error_description`; duplicates, both, neither or malformed values are invalid. */
export function readProviderAnswer(query: URLSearchParams): ProviderAnswer {
  const codes = query.getAll('code');
  const errors = query.getAll('error');
  const descriptions = query.getAll('error_description');
  if (codes.length > 1 || errors.length > 1 || descriptions.length > 1) {
    return { kind: 'invalid', description: 'The sign-in response repeated a parameter.' };
  }
  const [code] = codes;
  const [error] = errors;
  if (code !== undefined && error !== undefined) {
    return { kind: 'invalid', description: 'The sign-in response carried both a code and an error.' };
  }
  if (error !== undefined) {
    if (!ERROR_CODE_PATTERN.test(error)) return { kind: 'invalid', description: 'The provider reported a malformed error.' };
    const fallback = error === 'access_denied' ? 'Access was denied.' : 'The provider reported an error.';
    return { kind: 'error', error, description: toDisplayText(descriptions[0]) ?? fallback };
  }
  if (code === undefined) return { kind: 'invalid', description: 'The sign-in response carried no code.' };
  if (!CODE_PATTERN.test(code)) return { kind: 'invalid', description: 'The sign-in response carried a malformed code.' };
  return { kind: 'code', code };
}
