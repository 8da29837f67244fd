import type { ElementConfig } from '../types.js';
import { credentials } from './credentials.js';
import type { SignInKind } from './kind.js';
import { oauth1 } from './oauth1.js';
import { oauth2 } from './oauth2.js';

/** The kind of sign-in an element uses, from its configuration (`auth`, default `oauth2`). */
export function signInKindOf(config: Readonly<ElementConfig>): SignInKind {
  return config.auth === 'oauth1' ? oauth1 : config.auth === 'credentials' ? credentials : oauth2;
}
