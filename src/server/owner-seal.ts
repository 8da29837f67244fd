import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/**
 * The sealed owner tag (docs/events.md, "Owner recovery"): the owner tag is a one-way HMAC, so an instance's owner
 * could not be told from the instance alone. This second tag holds the owner id encrypted (AES-256-GCM) under a
 * key derived from the owner-tag key: only a handler with that key reads it, and a tag that was altered or made
 * under another key does not open.
 */

/** Prefix of the Cloud Elements tag holding the sealed owner id. */
export const SEALED_OWNER_TAG_PREFIX = 'ce-connect-owner-sealed:';

/** Longest owner id (UTF-8 bytes) sealed into a tag; a longer one is not sealed (then `events.ownerOf` answers). */
export const MAX_SEALED_OWNER_BYTES = 192;

const IV_BYTES = 12;
const AUTH_TAG_BYTES = 16;
// Binds a sealed value to this purpose, so no other ciphertext under the same key passes for an owner.
const ASSOCIATED_DATA = Buffer.from('ce-connect sealed owner v1');

/** The sealing key, derived from the owner-tag key so the two can never drift apart. */
export function ownerSealKey(ownerKey: Uint8Array): Buffer {
  return createHmac('sha256', ownerKey).update('ce-connect owner seal key v1').digest();
}

/** The sealed owner tag of `owner`, or `undefined` when the id is too long to carry in a tag. */
export function sealOwner(sealKey: Uint8Array, owner: string): string | undefined {
  const plain = Buffer.from(owner, 'utf8');
  if (plain.length === 0 || plain.length > MAX_SEALED_OWNER_BYTES) return undefined;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', sealKey, iv).setAAD(ASSOCIATED_DATA);
  const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  return SEALED_OWNER_TAG_PREFIX + sealed.toString('base64url');
}

/** The owner id in a sealed owner tag, or `undefined` when `tag` is not one this key opens. */
export function openOwner(sealKey: Uint8Array, tag: string): string | undefined {
  if (!tag.startsWith(SEALED_OWNER_TAG_PREFIX)) return undefined;
  const sealed = Buffer.from(tag.slice(SEALED_OWNER_TAG_PREFIX.length), 'base64url');
  if (sealed.length <= IV_BYTES + AUTH_TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', sealKey, sealed.subarray(0, IV_BYTES)).setAAD(ASSOCIATED_DATA);
    decipher.setAuthTag(sealed.subarray(sealed.length - AUTH_TAG_BYTES));
    const plain = Buffer.concat([
      decipher.update(sealed.subarray(IV_BYTES, sealed.length - AUTH_TAG_BYTES)),
      decipher.final(),
    ]);
    return plain.toString('utf8');
  } catch {
    return undefined;
  }
}
