/** The provider's answer on the callback URL, after the rules of RFC 6749 §4.1.2 and docs/security.md C-7. */
export type ProviderAnswer =
  | { readonly kind: 'code'; readonly code: string }
  | { readonly kind: 'error'; readonly error: string; readonly description: string }
  | { readonly kind: 'invalid'; readonly description: string };

/** A code: 1–4096 visible ASCII characters (RFC 6749 VSCHAR, without spaces). */
export const CODE_PATTERN = /^[\x21-\x7e]{1,4096}$/;

const ERROR_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

function plainText(text: string, limit: number): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, ' ').trim().slice(0, limit);
}

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
    if (!ERROR_PATTERN.test(error)) return { kind: 'invalid', description: 'The provider reported a malformed error.' };
    const fallback = error === 'access_denied' ? 'Access was denied.' : 'The provider reported an error.';
    return { kind: 'error', error, description: plainText(descriptions[0] ?? '', 256) || fallback };
  }
  if (code === undefined) return { kind: 'invalid', description: 'The sign-in response carried no code.' };
  if (!CODE_PATTERN.test(code)) return { kind: 'invalid', description: 'The sign-in response carried a malformed code.' };
  return { kind: 'code', code };
}
