import type { ElementConfig } from '../types.js';
import type { SignInKind } from './kind.js';
import { oauth2 } from './oauth2.js';

/**
 * The kind of sign-in an element uses. Every element is OAuth 2 today; an `oauth1` or `credentials` kind is
 * added beside `oauth2.ts` and chosen here from the element's configuration.
 */
export function signInKindOf(_config: Readonly<ElementConfig>): SignInKind {
  return oauth2;
}
