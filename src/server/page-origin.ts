/**
 * Flow 4a ends on this handler's callback route: its page posts the result to its own origin, and the flow cookie
 * was set for the host the page called. A page on any other origin can therefore never complete the flow — the
 * classic case is a page opened on http://localhost:3000 with a callback URL on http://127.0.0.1:3000, which
 * would otherwise end as if the user had closed the popup. This tells such a page why, up front.
 */

const shown = (origin: string) => (origin.length > 200 ? `${origin.slice(0, 200)}…` : origin);

/** The origin of the page that sent `request`: its Origin header, else its Referer's origin. */
function pageOrigin(headers: Headers): string | undefined {
  const origin = headers.get('origin');
  if (origin && origin !== 'null') return origin;
  try {
    return new URL(headers.get('referer') ?? '').origin;
  } catch {
    return undefined;
  }
}

/**
 * The message of the `400` for a page that can never complete flow 4a with `callbackUrl`, or `undefined` when it
 * can (or the request does not tell, or the callback URL is a static page of flow 4b, which may post elsewhere).
 * Without Origin and Referer, `Sec-Fetch-Site` still tells a page on another origin than this backend's.
 */
export function pageOriginMismatch(request: Request, callbackUrl: string, callbackPath: string): string | undefined {
  const callback = new URL(callbackUrl);
  if (callback.pathname !== callbackPath) return undefined;
  const page = pageOrigin(request.headers);
  const fetchSite = request.headers.get('sec-fetch-site');
  if (page ? page === callback.origin : !fetchSite || fetchSite === 'same-origin' || fetchSite === 'none')
    return undefined;
  const where = page ? `on ${shown(page)}` : 'on another origin';
  return `This page is ${where}, but the callback URL is on ${callback.origin}: the sign-in could never come back to it. Open the page on ${callback.origin}${page ? `, or register a callback URL on ${shown(page)}` : ''}.`;
}
