import { createHash, timingSafeEqual } from 'node:crypto';
import { parseWebUrl } from '../../node/url-rules.js';
import { ERROR_CODE_PATTERN, MAX_OAUTH_URL_LENGTH, SECRET_PARAMETER, toDisplayText } from '../../protocol-rules.js';
import { isProviderData } from '../../provider-answer.js';
import { upstreamFailure } from '../cloud-elements-client.js';
import { errorResponse } from '../http.js';
import { seal, unseal } from '../sealed-secret.js';
import type { SignInAnswer, SignInKind } from './kind.js';

/**
 * OAuth 1.0a sign-in through Cloud Elements (docs/kinds.md): a request token from `GET /elements/{key}/oauth/token`,
 * the provider URL from `oauth/url?requestToken=`, and a start route on the host's own origin that carries the
 * flow's state (the provider URL carries none of ours) and sends the browser on. The request-token secret is sealed
 * in the flow cookie. The provider's callback carries Cloud Elements' `state` (the element key), so the flow is
 * found by `oauth_token`; everything it sends besides state and error fields goes to Cloud Elements.
 */

/** Callback parameters that are not forwarded: ours (state) and the provider's ways of saying no. */
const NOT_FORWARDED = new Set(['state', 'denied', 'error', 'error_description', 'error_uri']);
/** A token or verifier as providers issue them: printable ASCII without spaces. */
const TOKEN = /^[\x21-\x7e]{1,512}$/;

const digest = (text: string) => createHash('sha256').update(text).digest();

/** The request token the callback names: `oauth_token`, or Twitter's `denied=<token>` when the user said no. */
function callbackToken(query: URLSearchParams): string | undefined {
  const tokens = [...query.getAll('oauth_token'), ...query.getAll('denied')];
  return tokens.length === 1 && TOKEN.test(tokens[0]!) ? tokens[0] : undefined;
}

/**
 * The provider URL, if the browser may be sent there: https (http only on loopback), bounded, no secret-looking
 * parameter, and no configured or request-token secret anywhere in it.
 */
function checkProviderUrl(raw: string, secrets: readonly string[]): string | undefined {
  const url = parseWebUrl(raw, true);
  if (!url || raw.length > MAX_OAUTH_URL_LENGTH || url.hash) return undefined;
  if ([...url.searchParams.keys()].some((name) => SECRET_PARAMETER.test(name))) return undefined;
  const text = `${raw}\n${[...url.searchParams.values()].join('\n')}`;
  return secrets.some((secret) => secret.length >= 8 && text.includes(secret)) ? undefined : raw;
}

/** Reads the provider's answer for a flow found by its request token. */
function readAnswer(
  query: URLSearchParams,
  requestToken: string | undefined,
  secret: string | undefined,
): SignInAnswer {
  const denied = query.getAll('denied');
  const errors = query.getAll('error');
  if (denied.length > 0 || errors.length > 0) {
    const error = errors.length === 1 && ERROR_CODE_PATTERN.test(errors[0]!) ? errors[0]! : 'access_denied';
    const fallback = error === 'access_denied' ? 'Access was denied.' : 'The provider reported an error.';
    return {
      kind: 'error',
      error,
      description: toDisplayText(query.get('error_description') ?? undefined) ?? fallback,
    };
  }
  const forwarded = [...query].filter(([name]) => !NOT_FORWARDED.has(name));
  // fromEntries defines own properties (`__proto__` is data); a repeated name, or more than the shared bounds of
  // provider data (16 parameters, names of 1–64 characters, values of up to 2,048), and nothing is sent on.
  const providerData = Object.fromEntries(forwarded);
  if (Object.keys(providerData).length < forwarded.length || !isProviderData(providerData)) {
    return {
      kind: 'invalid',
      error: 'invalid_callback',
      description: 'The sign-in response carried unexpected parameters.',
    };
  }
  const { oauth_token: token, oauth_verifier: verifier } = providerData;
  if (!token || token !== requestToken || !verifier || !TOKEN.test(verifier) || !secret) {
    return {
      kind: 'invalid',
      error: 'invalid_request',
      description: 'The sign-in response carried no usable verifier.',
    };
  }
  return { kind: 'granted', providerData: { ...providerData, secret } };
}

export const oauth1: SignInKind = {
  name: 'oauth1',

  async start(context, { element, config, state, site }) {
    const { options, log } = context;
    let providerUrl: string;
    let token: string;
    let secret: string;
    try {
      ({ token, secret } = await context.cloudElements.requestToken(element, config, site));
      providerUrl = await context.cloudElements.oauth1Url(element, config, token, site);
    } catch (error) {
      const failure = upstreamFailure(error, 'oauth-token', log);
      return { ok: false, response: errorResponse(failure.status, failure.message) };
    }
    const checked = checkProviderUrl(providerUrl, [...options.secrets, secret]);
    if (!checked || !TOKEN.test(token)) {
      log('cloud-elements.unusable-oauth-url', { element });
      return { ok: false, response: errorResponse(502, 'Cloud Elements sent an unusable OAuth URL') };
    }
    // The callback route's origin: it is the host's, and the flow cookie is sent there.
    const start = new URL(`${options.basePath}/${element}/oauth1/start`, new URL(config.callbackUrl).origin);
    start.searchParams.set('state', state);
    const record = {
      requestToken: token,
      sealedSecret: seal(options.cookieSecret, secret, state),
      providerUrl: checked,
    };
    return { ok: true, oauthUrl: start.href, record };
  },

  callbackState(context, request) {
    const token = callbackToken(new URL(request.url).searchParams);
    if (token === undefined) return undefined;
    const wanted = digest(token);
    const flow = context.flows.find(
      request.headers.get('cookie'),
      (f) => f.requestToken !== undefined && timingSafeEqual(digest(f.requestToken), wanted),
    );
    return flow?.state;
  },

  complete(request, flow, context) {
    // Sealed for this flow's state by a process sharing the cookie secret; anything else opens to nothing.
    const secret = flow.sealedSecret && unseal(context.options.cookieSecret, flow.sealedSecret, flow.state);
    return readAnswer(new URL(request.url).searchParams, flow.requestToken, secret || undefined);
  },
};
