import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Seals a secret for the flow cookie (AES-256-GCM, key derived from `cookieSecret`): OAuth 1's request-token secret
 * travels from oauth/url to the callback in the browser's cookie, which the browser holds but cannot read, and
 * which any process sharing the cookie secret can open. The flow cookie's own HMAC still signs the whole record.
 */

function keyOf(cookieSecret: string): Buffer {
  return createHash('sha256').update(`ce-connect sealed secret v1|${cookieSecret}`).digest();
}

/** `iv.ciphertext.tag`, base64url; `context` (the flow's state) binds it to one flow. */
export function seal(cookieSecret: string, secret: string, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(cookieSecret), iv);
  cipher.setAAD(Buffer.from(context));
  const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return [iv, body, cipher.getAuthTag()].map((part) => part.toString('base64url')).join('.');
}

/** The sealed secret, or `undefined` when it was not sealed for `context` with this key. */
export function unseal(cookieSecret: string, sealed: string, context: string): string | undefined {
  const [iv, body, tag] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
  if (!iv || !body || !tag || iv.length !== 12 || tag.length !== 16) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyOf(cookieSecret), iv);
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
