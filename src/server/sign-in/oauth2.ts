import { parseWebUrl } from '../../node/url-rules.js';
import { MAX_OAUTH_URL_LENGTH, SECRET_PARAMETER } from '../../protocol-rules.js';
import { readProviderAnswer } from '../callback-params.js';
import { CloudElementsError, upstreamFailure } from '../cloud-elements-client.js';
import { oauthUrlHint } from '../element-rules.js';
import { errorResponse, jsonResponse } from '../http.js';
import type { SignInKind } from './kind.js';

/**
 * OAuth 2 sign-in (RFC 6749's authorisation code grant, through Cloud Elements): the provider URL comes from
 * `GET /elements/{key}/oauth/url`, checked before the browser sees it; the callback carries a `code` (or an
 * `error`), which Cloud Elements exchanges as `providerData: {code}`.
 */

function decodeSafely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Returns the provider URL Cloud Elements produced with any secret parameter removed (Cloud Elements' Salesforce
 * URL carries `client_secret`), or `undefined` when it is
 * unusable: not https (http only on loopback), user-info or fragment, too long, a `state` other than ours,
 * or a configured secret (of 8 characters or more) still present anywhere in it.
 */
export function sanitizeOAuthUrl(raw: string, state: string, secrets: readonly string[]): string | undefined {
  const url = parseWebUrl(raw, true);
  if (!url || raw.length > MAX_OAUTH_URL_LENGTH) return undefined;
  const secretNames = [...new Set(url.searchParams.keys())].filter((name) => SECRET_PARAMETER.test(name));
  for (const name of secretNames) url.searchParams.delete(name);
  // Keep Cloud Elements' exact bytes unless something had to be removed.
  const result = secretNames.length > 0 ? url.href : raw;
  const states = url.searchParams.getAll('state');
  if (states.length !== 1 || states[0] !== state) return undefined;
  const haystacks = [result, decodeSafely(result), ...url.searchParams.values()];
  // Very short values (test placeholders such as "s") would match by chance; real secrets are long.
  const searchable = secrets.filter((secret) => secret.length >= 8);
  if (searchable.some((secret) => haystacks.some((text) => text.includes(secret)))) return undefined;
  return result;
}

/** Whether a provider URL is OAuth 1.0's (it carries the request token): an element configured for the wrong flow. */
function isOAuth1Url(raw: string): boolean {
  const url = parseWebUrl(raw, true);
  return url !== undefined && url.searchParams.has('oauth_token');
}

/** What the callback page says about an unusable answer (the shared reader gives no text of its own). */
const INVALID_ANSWER = {
  invalid_request: 'The sign-in response was malformed.',
  invalid_callback: 'The sign-in response carried parameters that cannot be passed on.',
} as const;

export const oauth2: SignInKind = {
  name: 'oauth2',

  async start(context, { element, config, state, site }) {
    const { options, log } = context;
    // The host's config is what is wrong: the answer says what to set (the element reports `invalid-oauth-url`).
    const misconfigured = () => ({
      ok: false as const,
      response: jsonResponse(502, { message: oauthUrlHint(element, config), code: 'invalid-oauth-url' }),
    });
    let rawUrl: string;
    try {
      rawUrl = await context.cloudElements.oauthUrl(element, config, state, site);
    } catch (error) {
      const failure = upstreamFailure(error, 'oauth-url', log);
      if (error instanceof CloudElementsError && error.failure === 'error-status' && error.status === 400) {
        return misconfigured();
      }
      return { ok: false, response: errorResponse(failure.status, failure.message) };
    }
    const oauthUrl = sanitizeOAuthUrl(rawUrl, state, options.secrets);
    if (!oauthUrl) {
      log('cloud-elements.unusable-oauth-url', { element });
      // An OAuth 1.0 provider URL (its request token) for an element run as OAuth 2: QuickBooks without its parameter.
      if (isOAuth1Url(rawUrl)) return misconfigured();
      return { ok: false, response: errorResponse(502, 'Cloud Elements sent an unusable OAuth URL') };
    }
    return { ok: true, oauthUrl };
  },

  complete(request) {
    const answer = readProviderAnswer(new URL(request.url).searchParams);
    // Every other callback parameter (QuickBooks `realmId`, …) goes on to Cloud Elements beside the code.
    if (answer.kind === 'code') return { kind: 'granted', providerData: { ...answer.providerData, code: answer.code } };
    if (answer.kind === 'invalid') return { ...answer, description: INVALID_ANSWER[answer.error] };
    const fallback = answer.error === 'access_denied' ? 'Access was denied.' : 'The provider reported an error.';
    return { ...answer, description: answer.description || fallback };
  },
};
