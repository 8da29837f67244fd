import { sandboxCatalogue, type SandboxElement } from './catalogue.js';
import { renderConsentPage, renderErrorPage, type RenderedPage } from './consent-page.js';
import { readLimitedText, type SandboxContext } from './context.js';
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

/** The 303 back to the app, with the decision's parameters added to any query its redirect URI already has. */
function redirectBack(context: SandboxContext, consent: PendingConsent, allow: boolean): Response {
  const target = new URL(consent.registration.callbackUrl);
  target.hash = '';
  if (allow) {
    target.searchParams.set('code', context.store.issueCode(consent.registration, context.options.codeTtlMs));
  } else {
    target.searchParams.set('error', 'access_denied');
    target.searchParams.set('error_description', 'The user denied access to your app.');
  }
  if (consent.state !== undefined) target.searchParams.set('state', consent.state);
  const headers = providerHeaders(context);
  headers.set('Location', target.href);
  return new Response(null, { status: 303, headers });
}

/** `GET /oauth/{key}{authorizePath}`: validates the client and redirect URI, then shows the consent page. */
export function handleAuthorize(context: SandboxContext, request: Request, element: SandboxElement): Response {
  const query = new URL(request.url).searchParams;
  const fail = (message: string) => htmlResponse(context, 400, renderErrorPage(element, message));
  if (query.get('response_type') !== 'code') return fail('Unsupported response_type: this provider only issues codes.');
  const registration = context.store.findRegistration(element.key, query.get('client_id') ?? '', query.get('redirect_uri') ?? '');
  // Like a real provider: an unknown client or redirect URI gets an error page, never a redirect.
  if (!registration) return fail('Unknown client_id, or a redirect_uri that is not registered for this app.');
  const consent = { registration, state: query.get('state') ?? undefined, scope: query.get('scope') ?? undefined };
  const { autoDecision, appName } = context.options;
  if (autoDecision) return redirectBack(context, { ...consent, expiresAt: Infinity }, autoDecision === 'allow');
  const consentId = context.store.openConsent(consent);
  const page = renderConsentPage({
    element,
    appName,
    scope: consent.scope,
    siteAddress: registration.siteAddress,
    consentId,
    redirectOrigin: new URL(registration.callbackUrl).origin,
  });
  return htmlResponse(context, 200, page);
}

/** `POST /oauth/{key}/decision`: the Allow or Deny button; answers with the 303 back to the app. */
export async function handleDecision(context: SandboxContext, request: Request, element: SandboxElement): Promise<Response> {
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
export function matchConsentPath(path: string): { element: SandboxElement; page: 'authorize' | 'decision' } | undefined {
  const [, , key = '', ...rest] = path.split('/');
  const element = sandboxCatalogue.find((candidate) => candidate.key === key);
  if (!element) return undefined;
  const tail = `/${rest.join('/')}`;
  if (tail === '/decision') return { element, page: 'decision' };
  if (tail === element.authorizePath) return { element, page: 'authorize' };
  return undefined;
}
