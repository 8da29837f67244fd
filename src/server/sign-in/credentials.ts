import type { SignInKind } from './kind.js';

/**
 * Credentials sign-in (docs/kinds.md): no provider round trip. The flow's URL is the handler's own form page on
 * the host's origin, carrying the state (and the button's language); the form's post completes the flow
 * (routes/credentials.ts), so the callback route has nothing to complete for such an element.
 */
export const credentials: SignInKind = {
  name: 'credentials',

  start(context, { element, state, lang }) {
    const { ownOrigin, basePath } = context.options;
    // Option validation sets ownOrigin whenever a credentials element is configured.
    const url = new URL(`${basePath}/${element}/credentials`, ownOrigin);
    url.searchParams.set('state', state);
    if (lang !== undefined) url.searchParams.set('lang', lang);
    return Promise.resolve({ ok: true, oauthUrl: url.href });
  },

  complete() {
    return {
      kind: 'invalid',
      error: 'invalid_request',
      description: 'This account is connected with its form, not through a callback.',
    };
  },
};
