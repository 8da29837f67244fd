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
