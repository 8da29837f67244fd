import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Cloud Elements' webhook signature (docs/events.md): `Elements-Webhook-Signature: sha256=<base64 HMAC-SHA256 of
 * the raw body under the instance's signature key>`. Nothing time-based is signed, so replays are stopped by the
 * delivery ids the events route remembers, not here.
 */

/** `sha256=` and the base64 of 32 bytes (43 characters and one `=`); anything else, `sha1=` included, is refused. */
const SIGNATURE_HEADER = /^sha256=([A-Za-z0-9+/]{43}=)$/;

/** The header value Cloud Elements sends for `rawBody` under `key` (for tests, the bench and host-side tooling). */
export function signEventBody(rawBody: string | Uint8Array, key: string): string {
  return `sha256=${createHmac('sha256', key).update(rawBody).digest('base64')}`;
}

/**
 * Whether `header` (the `Elements-Webhook-Signature` value, or `null` when absent) signs `rawBody` — the bytes
 * exactly as received, before any JSON parsing — under one of `keys`. Every key is tried, each compared in
 * constant time, so a rotated-out key still verifies while it is listed. Throws a TypeError when `keys` is not a
 * non-empty array of non-empty strings (a configuration error, not a bad delivery).
 */
export function verifyEventSignature(
  rawBody: string | Uint8Array,
  header: string | null,
  keys: readonly string[],
): boolean {
  const list: unknown = keys;
  if (!Array.isArray(list) || list.length === 0 || !list.every((key) => typeof key === 'string' && key !== '')) {
    throw new TypeError('ce-connect/server: verifyEventSignature needs keys: a non-empty array of non-empty strings');
  }
  if (typeof rawBody !== 'string' && !(rawBody instanceof Uint8Array)) {
    throw new TypeError('ce-connect/server: verifyEventSignature needs the raw body as a string or a Uint8Array');
  }
  const match = typeof header === 'string' ? SIGNATURE_HEADER.exec(header.trim()) : null;
  if (!match) return false;
  const given = Buffer.from(match[1]!, 'base64');
  let valid = false;
  for (const key of keys) {
    const expected = createHmac('sha256', key).update(rawBody).digest();
    // No early exit: how many keys were tried says nothing about which one matched.
    valid = timingSafeEqual(expected, given) || valid;
  }
  return valid;
}
