import { escapeHtml } from '../node/html-escape.js';
import { textResponse } from './http.js';

/**
 * What every page the handler serves shares (the callback page today; a credentials form or a connect-link page
 * would be next): its headers and its escaping (docs/security.md C-4; docs/protocol.md §6).
 */

export { escapeHtml };

/** A page's default policy: no inline script, only same-origin scripts, no forms, no framing, no `<base>`. */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** How one page differs from the defaults. */
export interface PageOptions {
  /** Its `Content-Security-Policy` (a form that posts needs `form-action 'self'`); default {@link PAGE_CSP}. */
  readonly csp?: string;
  readonly setCookies?: readonly string[];
}

const JSON_ESCAPES: Readonly<Record<string, string>> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/** JSON that cannot close its `<script>` element or break out of it. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (char) => JSON_ESCAPES[char] ?? char);
}

/**
 * An HTML page as a response: the handler's base headers (`Cache-Control: no-store`, `X-Content-Type-Options:
 * nosniff`, from `textResponse`), its CSP, and no referrer, so the page's URL (which may carry a code) never
 * travels on. No COOP: the callback page must keep its `window.opener`.
 */
export function pageResponse(status: number, html: string, options: PageOptions = {}): Response {
  const headers = { 'Content-Security-Policy': options.csp ?? PAGE_CSP, 'Referrer-Policy': 'no-referrer' };
  return textResponse(status, html, 'text/html; charset=utf-8', { headers, setCookies: options.setCookies ?? [] });
}
