import { createHash, timingSafeEqual } from 'node:crypto';

/** How a request's Authorization header compares with the sandbox's account secrets. */
export type AuthorizationCheck = 'valid' | 'absent' | 'invalid';

/** Parses `User …, Organization …[, Element …]`: comma-separated `Name value` pairs, in any order. */
export function parseAuthorization(header: string): Map<string, string> {
  const parts = new Map<string, string>();
  for (const part of header.split(',')) {
    const match = /^\s*(\S+)\s+(\S+)\s*$/.exec(part);
    if (match) parts.set((match[1] as string).toLowerCase(), match[2] as string);
  }
  return parts;
}

function sameSecret(given: string | undefined, expected: string): boolean {
  const hash = (text: string) => createHash('sha256').update(text).digest();
  return given !== undefined && timingSafeEqual(hash(given), hash(expected));
}

/** Checks the User and Organization secrets of a request. */
export function checkAuthorization(
  header: string | null,
  secrets: { readonly userSecret: string; readonly organizationSecret: string },
): AuthorizationCheck {
  if (header === null || header.trim() === '') return 'absent';
  const parts = parseAuthorization(header);
  const userOk = sameSecret(parts.get('user'), secrets.userSecret);
  const organizationOk = sameSecret(parts.get('organization'), secrets.organizationSecret);
  return userOk && organizationOk ? 'valid' : 'invalid';
}
