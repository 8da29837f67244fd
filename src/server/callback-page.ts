import { encodeReturnFragment, MESSAGE_TYPE, parseCallbackMessage } from '../protocol.js';
import { textResponse } from './http.js';
import { escapeHtml, pageResponse, scriptSafeJson } from './pages.js';
import type { CallbackResult } from './types.js';

/**
 * The page the provider redirects to. The result sits in a data block that the same-origin callback script reads.
 * With no result (`null`: unknown, expired or replayed state) the page is neutral: the script still strips the
 * URL, but the `null` block tells it there is nothing to report and not to read the query instead.
 */
export function renderCallbackPage(basePath: string, result: CallbackResult | null): string {
  const status = result ? 'Finishing sign-in…' : 'You can close this window.';
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>Connecting your account</title>',
    `<script type="application/json" id="ce-connect-result">${scriptSafeJson(result)}</script>`,
    `<script type="module" src="${escapeHtml(`${basePath}/callback.js`)}"></script>`,
    '</head>',
    '<body>',
    `<p id="ce-connect-status">${status}</p>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** The callback page as a response. */
export function callbackPageResponse(
  basePath: string,
  result: CallbackResult | null,
  status: number,
  setCookies: readonly string[],
): Response {
  return pageResponse(status, renderCallbackPage(basePath, result), { setCookies });
}

/**
 * The result of a known flow, where the flow started: the callback page (popup), or in redirect mode a `303` back
 * to the flow's return URL.
 */
export function flowResultResponse(
  basePath: string,
  flow: { readonly returnUrl?: string },
  result: CallbackResult,
  status: number,
  setCookies: readonly string[],
): Response {
  return flow.returnUrl === undefined
    ? callbackPageResponse(basePath, result, status, setCookies)
    : returnRedirect(flow.returnUrl, result, setCookies);
}

/**
 * The result as the fields of the callback message (without `type` and `v`), empty optional fields left out,
 * checked against the rules the element applies to every message; a result that would fail them (none should)
 * loses its name, or becomes a generic `invalid_request`, rather than leaving the element waiting.
 */
function messageFields(result: CallbackResult): Record<string, string> {
  const fields: Record<string, string> =
    'instanceId' in result
      ? { state: result.state, instanceId: result.instanceId, ...(result.name && { name: result.name }) }
      : {
          state: result.state,
          error: result.error,
          ...(result.errorDescription && { errorDescription: result.errorDescription }),
        };
  if (parseCallbackMessage({ type: MESSAGE_TYPE, v: 1, ...fields })) return fields;
  return 'instanceId' in result
    ? { state: result.state, instanceId: result.instanceId }
    : { state: result.state, error: 'invalid_request' };
}

/**
 * Redirect mode (docs/protocol.md §13): the answer that takes the tab back to the flow's return URL with the result
 * in the fragment — `303`, never cached, and no `Referer` (the provider's URL) sent on to the return page. The
 * fragment never reaches a server, and the code, which only the query carried, is not in it.
 */
export function returnRedirect(returnUrl: string, result: CallbackResult, setCookies: readonly string[]): Response {
  const location = returnUrl + encodeReturnFragment(messageFields(result));
  return textResponse(303, '', 'text/plain; charset=utf-8', {
    headers: { Location: location, 'Referrer-Policy': 'no-referrer' },
    setCookies,
  });
}
