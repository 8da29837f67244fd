/** Thrown by {@link readBodyText} when the body is larger than allowed. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

/**
 * Reads a request or response body as UTF-8, refusing to buffer more than `limitBytes`: it stops reading (and
 * cancels the stream) at the first byte over. For a compressed response the limit counts decoded bytes.
 */
export async function readBodyText(message: Request | Response, limitBytes: number): Promise<string> {
  return (await readBodyBytes(message, limitBytes)).toString('utf8');
}

/**
 * Reads a body as bytes, exactly as sent (a signature covers the bytes, not a decoded text), under the same
 * limit as {@link readBodyText}: a declared `Content-Length` over it is refused before a byte is read.
 */
export async function readBodyBytes(message: Request | Response, limitBytes: number): Promise<Buffer> {
  const declared = Number(message.headers.get('content-length') ?? '0');
  if (declared > limitBytes) {
    await message.body?.cancel().catch(() => {});
    throw new BodyTooLargeError();
  }
  if (!message.body) return Buffer.alloc(0);
  const reader: ReadableStreamDefaultReader<Uint8Array> = message.body.getReader();
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
  return Buffer.concat(chunks);
}
