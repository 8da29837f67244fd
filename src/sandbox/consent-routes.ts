import { randomBytes, randomInt } from 'node:crypto';
import { callbackExtrasFor, sandboxCatalogue, type SandboxElement } from './catalogue.js';
import { renderConsentPage, renderErrorPage, type RenderedPage } from './consent-page.js';
import { readLimitedText, type SandboxContext } from './context.js';
import { oauth1Callback } from './oauth-url-api.js';
import type { PendingConsent } from './store.js';

function providerHeaders(context: SandboxContext): Headers {
  const headers = new Headers({ 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  if (context.options.coop) headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  return headers;
}

function htmlResponse(context: SandboxContext, status: number, page: RenderedPage): Response {
  const headers = providerHeaders(context);
  headers.set('Content-Type', 'text/html; charset=utf-8');
  headers.set('Content-Security-Policy', page.contentSecurityPolicy);
  return new Response(page.html, { status, headers });
}

/** A value like the provider's for a callback parameter besides code/state (QuickBooks realmId, Xero org). */
function extraValue(name: string): string {
  if (name === 'realmId') return String(randomInt(1e8, 1e9)) + String(randomInt(1e6, 1e7));
  if (name === 'dataSource') return 'QBO';
  return randomBytes(9).toString('hex');
}

function extrasFor(names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, extraValue(name)]));
}

function redirectTo(context: SandboxContext, target: URL): Response {
  const headers = providerHeaders(context);
  headers.set('Location', target.href);
  return new Response(null, { status: 303, headers });
}

/** The 303 back to the app, with the decision's parameters added to any query its redirect URI already has. */
function redirectBack(context: SandboxContext, consent: PendingConsent, allow: boolean): Response {
  if (consent.requestToken !== undefined) return redirectBackOAuth1(context, consent, consent.requestToken, allow);
  const target = new URL(consent.registration.callbackUrl);
  target.hash = '';
  if (allow) {
    const extras = extrasFor(callbackExtrasFor(consent.registration.element, 'oauth2'));
    target.searchParams.set(
      'code',
      context.store.issueCode({ registration: consent.registration, extras }, context.options.codeTtlMs),
    );
    for (const [name, value] of Object.entries(extras)) target.searchParams.set(name, value);
  } else {
    target.searchParams.set('error', 'access_denied');
    target.searchParams.set('error_description', 'The user denied access to your app.');
  }
  if (consent.state !== undefined) target.searchParams.set('state', consent.state);
  return redirectTo(context, target);
}

/**
 * OAuth 1: Allow returns `oauth_token` and `oauth_verifier` (and QuickBooks' realmId and dataSource, Xero's org) to
 * Cloud Elements' oauth_callback, whose state is the element key. Deny returns `denied=<token>`, as Twitter does
 * (OAuth 1.0a itself defines no denial parameter); the request token is then spent.
 */
function redirectBackOAuth1(context: SandboxContext, consent: PendingConsent, token: string, allow: boolean): Response {
  const entry = context.store.findRequestToken(token);
  if (!entry)
    return htmlResponse(context, 400, renderErrorPage(consent.registration.element, 'This request token has expired.'));
  const target = oauth1Callback(consent.registration);
  if (allow) {
    const { element } = consent.registration;
    const extras = extrasFor(callbackExtrasFor(element, 'oauth1'));
    entry.verifier = randomBytes(15).toString('base64url');
    entry.extras = extras;
    entry.expiresAt = context.store.now() + context.options.codeTtlMs;
    target.searchParams.set('oauth_token', token);
    target.searchParams.set('oauth_verifier', entry.verifier);
    for (const [name, value] of Object.entries(extras)) target.searchParams.set(name, value);
  } else {
    entry.used = true;
    target.searchParams.set('denied', token);
  }
  return redirectTo(context, target);
}

/** Shows the consent page for a pending consent, or decides at once under `autoDecision`. */
function showConsent(context: SandboxContext, consent: Omit<PendingConsent, 'expiresAt'>): Response {
  const { autoDecision, appName } = context.options;
  if (autoDecision) return redirectBack(context, { ...consent, expiresAt: Infinity }, autoDecision === 'allow');
  const { registration } = consent;
  const page = renderConsentPage({
    element: registration.element,
    appName,
    scope: consent.scope,
    siteAddress: registration.siteAddress,
    consentId: context.store.openConsent(consent),
    redirectOrigin: new URL(registration.callbackUrl).origin,
  });
  return htmlResponse(context, 200, page);
}

/** `GET /oauth/{key}{authorizePath}`: validates the client and redirect URI, then shows the consent page. */
export function handleAuthorize(context: SandboxContext, request: Request, element: SandboxElement): Response {
  const query = new URL(request.url).searchParams;
  const fail = (message: string) => htmlResponse(context, 400, renderErrorPage(element, message));
  if (query.get('response_type') !== 'code') return fail('Unsupported response_type: this provider only issues codes.');
  const registration = context.store.findRegistration(
    element.key,
    query.get('client_id') ?? '',
    query.get('redirect_uri') ?? '',
  );
  // Like a real provider: an unknown client or redirect URI gets an error page, never a redirect.
  if (!registration) return fail('Unknown client_id, or a redirect_uri that is not registered for this app.');
  return showConsent(context, {
    registration,
    state: query.get('state') ?? undefined,
    scope: query.get('scope') ?? undefined,
  });
}

/** `GET /oauth/{key}{oauth1AuthorizePath}?oauth_token=…`: the OAuth 1 consent page for a request token. */
export function handleAuthorizeOAuth1(context: SandboxContext, request: Request, element: SandboxElement): Response {
  const token = new URL(request.url).searchParams.get('oauth_token') ?? '';
  const entry = context.store.findRequestToken(token);
  if (!entry || entry.registration.element !== element || entry.verifier !== undefined) {
    return htmlResponse(context, 400, renderErrorPage(element, 'Unknown, expired or already used request token.'));
  }
  return showConsent(context, {
    registration: entry.registration,
    state: element.key,
    scope: undefined,
    requestToken: token,
  });
}

/** `POST /oauth/{key}/decision`: the Allow or Deny button; answers with the 303 back to the app. */
export async function handleDecision(
  context: SandboxContext,
  request: Request,
  element: SandboxElement,
): Promise<Response> {
  const form = new URLSearchParams((await readLimitedText(request)) ?? '');
  const consent = context.store.takeConsent(form.get('consent') ?? '');
  const fail = (message: string) => htmlResponse(context, 400, renderErrorPage(element, message));
  if (!consent || consent.registration.element !== element) {
    return fail('This sign-in request has expired or was already answered. Start again from the app.');
  }
  const decision = form.get('decision');
  if (decision !== 'allow' && decision !== 'deny') return fail('Choose Allow or Deny.');
  return redirectBack(context, consent, decision === 'allow');
}

/** The element whose consent pages `path` (below `/oauth/`) addresses, and which page. */
export function matchConsentPath(
  path: string,
): { element: SandboxElement; page: 'authorize' | 'authorize-oauth1' | 'decision' } | undefined {
  const [, , key = '', ...rest] = path.split('/');
  const element = sandboxCatalogue.find((candidate) => candidate.key === key);
  if (!element) return undefined;
  const tail = `/${rest.join('/')}`;
  if (tail === '/decision') return { element, page: 'decision' };
  if (tail === element.authorizePath) return { element, page: 'authorize' };
  if (tail === element.oauth1AuthorizePath) return { element, page: 'authorize-oauth1' };
  return undefined;
}
