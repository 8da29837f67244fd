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

/** Thrown by {@link readBodyText} when the body is larger than allowed. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

/**
 * Reads a request or response body as UTF-8, refusing to buffer more than `limitBytes`: it stops reading (and
 * cancels the stream) at the first byte over. For a compressed response the limit counts decoded bytes.
 */
export async function readBodyText(message: Request | Response, limitBytes: number): Promise<string> {
  const declared = Number(message.headers.get('content-length') ?? '0');
  if (declared > limitBytes) {
    await message.body?.cancel().catch(() => {});
    throw new BodyTooLargeError();
  }
  if (!message.body) return '';
  const reader = message.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limitBytes) {
      await reader.cancel();
      throw new BodyTooLargeError();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
