import { randomBytes } from 'node:crypto';

/** A Cloud Elements-style request id: 24 hex characters. */
export function newRequestId(): string {
  return randomBytes(12).toString('hex');
}

/** A Cloud Elements API response: JSON (or empty) with an `Elements-Request-Id` header. */
export function ceResponse(status: number, body?: unknown, requestId = newRequestId()): Response {
  const headers = new Headers({ 'Elements-Request-Id': requestId, 'Cache-Control': 'no-store' });
  if (body === undefined) return new Response(null, { status, headers });
  headers.set('Content-Type', 'application/json; charset=utf-8');
  return new Response(JSON.stringify(body), { status, headers });
}

/** A Cloud Elements error: `{"requestId", "message", "providerMessage"?}` with the same request id in the header. */
export function ceError(status: number, message: string, providerMessage?: string): Response {
  const requestId = newRequestId();
  return ceResponse(
    status,
    { requestId, message, ...(providerMessage !== undefined && { providerMessage }) },
    requestId,
  );
}

/** The 401 Cloud Elements answers for wrong User/Organization secrets. */
export function ceUnauthorized(): Response {
  return ceError(401, 'Invalid Organization or User secret, or invalid Element token provided.');
}
