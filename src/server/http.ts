import type { Logger } from './security-log.js';

/**
 * The handler's HTTP rules: the responses every route builds, and the guard every browser-facing route applies
 * before anything else (docs/security.md D-5).
 */

/** Headers every response of the handler carries. */
const BASE_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

/** Extra response parts: headers and any number of Set-Cookie values. */
export interface ResponseExtras {
  headers?: Readonly<Record<string, string>>;
  setCookies?: readonly string[];
}

/** Builds a response with the base headers, the given content type and extras. */
export function textResponse(status: number, body: string, contentType: string, extras: ResponseExtras = {}): Response {
  const headers = new Headers({ ...BASE_HEADERS, 'Content-Type': contentType, ...extras.headers });
  for (const cookie of extras.setCookies ?? []) headers.append('Set-Cookie', cookie);
  return new Response(body, { status, headers });
}

/** A JSON response. */
export function jsonResponse(status: number, body: unknown, extras?: ResponseExtras): Response {
  return textResponse(status, JSON.stringify(body), 'application/json; charset=utf-8', extras);
}

/** The error shape every failure takes towards the browser: `{"message": "..."}`. */
export function errorResponse(status: number, message: string, extras?: ResponseExtras): Response {
  return jsonResponse(status, { message }, extras);
}

/** 405 with the methods a route accepts. */
export function methodNotAllowed(allowed: string): Response {
  return errorResponse(405, `Use ${allowed} for this route`, { headers: { Allow: allowed } });
}

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
export function checkBrowserRequest(
  request: Request,
  allowedOrigins: ReadonlySet<string>,
  rules: GuardRules,
): GuardFailure | undefined {
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

/**
 * The guard → log → 403 of a browser route: `undefined` when {@link checkBrowserRequest} lets the request through,
 * else the 403 naming the rule, logged with the route and the Origin.
 */
export function refuse(
  context: { readonly options: { readonly allowedOrigins: ReadonlySet<string> }; readonly log: Logger },
  request: Request,
  route: string,
  rules: GuardRules,
): Response | undefined {
  const refused = checkBrowserRequest(request, context.options.allowedOrigins, rules);
  if (!refused) return undefined;
  context.log('request.refused', { route, reason: refused, origin: request.headers.get('origin') ?? undefined });
  return errorResponse(403, GUARD_MESSAGES[refused]);
}
