import { errorResponse } from './http.js';

/**
 * CORS for a page on another origin than the handler (`app.example.com` → `api.example.com`): only the origins in
 * `allowedOrigins` are answered, with credentials (the flow cookie must ride along); every other origin gets no
 * `Access-Control-*` header and its preflight stays 403, so a foreign page can neither send `X-CE-Connect` nor
 * read an answer (docs/security.md D-12).
 */

/** Seconds a browser may reuse a preflight answer: short, so removing an origin takes effect soon. */
const PREFLIGHT_MAX_AGE_S = 600;

/** The request's Origin when it is one of `allowedOrigins`. */
function allowedOrigin(request: Request, allowedOrigins: ReadonlySet<string>): string | undefined {
  const origin = request.headers.get('origin');
  return origin !== null && allowedOrigins.has(origin) ? origin : undefined;
}

/** The headers that let `origin` read a credentialed answer; the answer varies by Origin. */
function allowHeaders(origin: string): Record<string, string> {
  return { 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true', Vary: 'Origin' };
}

/** The answer to an `OPTIONS` preflight: 204 with the allowed headers and methods for an allowed origin, else 403. */
export function preflightResponse(request: Request, allowedOrigins: ReadonlySet<string>): Response {
  const origin = allowedOrigin(request, allowedOrigins);
  if (origin === undefined)
    return errorResponse(403, 'Cross-origin requests are not allowed from this origin', {
      headers: { Vary: 'Origin' },
    });
  return new Response(null, {
    status: 204,
    headers: {
      ...allowHeaders(origin),
      'Access-Control-Allow-Methods': 'GET, POST, DELETE',
      'Access-Control-Allow-Headers': 'X-CE-Connect, Content-Type',
      'Access-Control-Max-Age': String(PREFLIGHT_MAX_AGE_S),
      'Cache-Control': 'no-store',
    },
  });
}

/** `response` as an allowed origin may read it (credentials included); unchanged but for `Vary` otherwise. */
export function withCors(request: Request, response: Response, allowedOrigins: ReadonlySet<string>): Response {
  const origin = allowedOrigin(request, allowedOrigins);
  if (origin === undefined) {
    response.headers.append('Vary', 'Origin');
    return response;
  }
  for (const [name, value] of Object.entries(allowHeaders(origin))) {
    if (name === 'Vary') response.headers.append(name, value);
    else response.headers.set(name, value);
  }
  return response;
}
