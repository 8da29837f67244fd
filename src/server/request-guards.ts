/** Why a browser request was refused as possibly cross-site. */
export type GuardFailure = 'csrf-header' | 'origin' | 'fetch-site' | 'content-type';

/** Messages for refused requests; they name the rule, never a value. */
export const GUARD_MESSAGES: Readonly<Record<GuardFailure, string>> = {
  'csrf-header': 'This request must carry the header X-CE-Connect: 1',
  origin: 'This request must come from an allowed origin',
  'fetch-site': 'Cross-site requests are not allowed',
  'content-type': 'This request must have Content-Type: application/json',
};

/** What a route requires beyond the CSRF header. */
export interface GuardRules {
  /** The Origin header must be present (browsers send it on every POST). */
  readonly requireOrigin: boolean;
  /** The body must be declared as JSON (a form or `text/plain` post is a "simple" cross-site request). */
  readonly requireJson: boolean;
}

/**
 * Checks that a request comes from the widget on an allowed page: the custom header (which a cross-site page
 * cannot send without a preflight, and preflights are refused), a known Origin when one is sent or required,
 * no `Sec-Fetch-Site: cross-site`, and a JSON content type where a body is expected.
 */
export function checkBrowserRequest(request: Request, allowedOrigins: ReadonlySet<string>, rules: GuardRules): GuardFailure | undefined {
  const headers = request.headers;
  if (headers.get('x-ce-connect') !== '1') return 'csrf-header';
  const origin = headers.get('origin');
  if (origin === null ? rules.requireOrigin : !allowedOrigins.has(origin)) return 'origin';
  if (headers.get('sec-fetch-site') === 'cross-site') return 'fetch-site';
  if (rules.requireJson) {
    const type = (headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') return 'content-type';
  }
  return undefined;
}
