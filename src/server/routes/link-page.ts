import { createHash } from 'node:crypto';
import { elementDisplayName } from '../../elements.js';
import { ELEMENT_KEY_PATTERN } from '../../protocol-rules.js';
import {
  linkCookie,
  linkStatus,
  looksLikeLinkToken,
  readLinkCookie,
  readLinkToken,
  type LinkGrant,
  type LinkStatus,
} from '../connect-links.js';
import type { ConnectContext } from '../context.js';
import { withOwner } from '../host.js';
import { errorResponse, methodNotAllowed, textResponse } from '../http.js';
import { STORE_UNAVAILABLE } from '../messages.js';
import { escapeHtml, pageResponse } from '../pages.js';
import { handleCallback } from './callback.js';
import { handleDistScript } from './callback-script.js';
import { handleOAuthUrl } from './oauth-url.js';
import { handlePostInstances } from './instances.js';

/**
 * The connect-link routes (docs/connect-links.md): `GET {basePath}/link/{token}` (who asks, for which app and owner,
 * and a Continue button), `POST` of the same URL (sets the link cookie, then `303` to `{basePath}/link`, so the
 * token is in no later URL), `GET {basePath}/link` (the button), and the two requests of that button,
 * `GET link/{element}/oauth/url` and `POST link/instances`, which run for the link's owner without `authorize`.
 * Nothing here lists, reconnects or deletes; the provider's redirect to the element's callback route is routed
 * to the link's owner only when the signed flow cookie says the flow is the link's ({@link handleFlowCallback}).
 */

const STYLE = [
  ':root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5; }',
  'body { margin: 0; padding: 2rem 1rem; }',
  'main { max-width: 34rem; margin: 0 auto; }',
  'h1 { font-size: 1.5rem; margin: 0 0 1rem; }',
  '.note { border-left: 4px solid currentColor; padding-left: .75rem; }',
  // The page's own colours, not the engine's button defaults: WebKitGTK's dark ButtonFace is light grey under white text.
  'button { font: inherit; font-weight: 600; padding: .6rem 1.4rem; border-radius: .4rem; border: 2px solid currentColor; cursor: pointer; background: Canvas; color: CanvasText; }',
  'button:focus-visible { outline: 3px solid Highlight; outline-offset: 2px; }',
].join('\n');

/** The pages' CSP: the page's own style by hash, scripts from the handler only, a form only to itself. */
const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');
const LINK_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "connect-src 'self'",
  `style-src 'sha256-${STYLE_HASH}'`,
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The page script (no inline script), loaded before the element: on `connected` it says so and hides the button
 * (a link never reconnects). A redirect-mode return may report `connected` before this runs, hence the status check.
 */
const PAGE_SCRIPT = `const status = document.getElementById('ce-link-status');
const box = document.getElementById('ce-link-button');
const done = () => {
  if (status) status.textContent = 'Connected. You can close this page.';
  if (box) box.hidden = true;
};
document.addEventListener('connected', done);
if (document.querySelector('ce-connect-button')?.status === 'connected') done();
`;

const TEXTS: Readonly<Record<Exclude<LinkStatus, 'open'> | 'invalid' | 'unconfirmed', [number, string, string]>> = {
  invalid: [
    404,
    'This link is not valid',
    'Check that the whole link was copied, or ask the person who sent it for a new one.',
  ],
  expired: [410, 'This link has expired', 'Ask the person who sent it for a new one.'],
  revoked: [
    410,
    'This link was withdrawn',
    'The person who sent it withdrew it. Ask them for a new one if you still need to connect.',
  ],
  spent: [
    410,
    'This link has already been used',
    'A connect link works once. Ask the person who sent it for a new one if needed.',
  ],
  unconfirmed: [
    400,
    'Open the link you were sent',
    'This page works only after opening the connect link you received.',
  ],
};

function page(context: ConnectContext, title: string, body: string[], scripts = false): string {
  const base = context.options.basePath;
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    ...(scripts
      ? [
          `<script type="module" src="${escapeHtml(`${base}/assets/link-page.js`)}"></script>`,
          `<script type="module" src="${escapeHtml(`${base}/assets/ce-connect.js`)}"></script>`,
        ]
      : []),
    '</head>',
    '<body>',
    '<main>',
    `<h1>${escapeHtml(title)}</h1>`,
    ...body,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function statusPage(context: ConnectContext, kind: keyof typeof TEXTS, setCookies: string[] = []): Response {
  const [status, title, text] = TEXTS[kind];
  return pageResponse(status, page(context, title, [`<p>${escapeHtml(text)}</p>`]), { csp: LINK_CSP, setCookies });
}

/** "Acme Inc. asks you to connect Salesforce to Acme CRM." */
function invitation(context: ConnectContext, grant: LinkGrant): { title: string; asks: string; provider: string } {
  const provider = elementDisplayName(grant.element) ?? grant.element;
  const app = context.options.appName ?? '';
  const asks = `${grant.inviter ?? 'Someone'} asks you to connect ${provider} to ${app}.`;
  return { title: `Connect ${provider} to ${app}`, asks, provider };
}

/** `GET {basePath}/link/{token}`: the confirm step, before any provider page. */
function confirmPage(context: ConnectContext, grant: LinkGrant): Response {
  const { title, asks, provider } = invitation(context, grant);
  const body = [
    `<p>${escapeHtml(asks)}</p>`,
    `<p>The connection will belong to the ${escapeHtml(context.options.appName ?? '')} account <strong>${escapeHtml(grant.owner)}</strong>.</p>`,
    `<p class="note">Whichever ${escapeHtml(provider)} account you sign in to next is the one that gets connected. Continue only if you expected this request.</p>`,
    '<form method="post">',
    '<button type="submit">Continue</button>',
    '</form>',
  ];
  return pageResponse(200, page(context, title, body), { csp: LINK_CSP });
}

/**
 * `GET {basePath}/link`: the button, for the link this browser confirmed. Spent: only the element, hidden, so a
 * redirect-mode return (the result in the fragment) can still report `connected` on the page.
 */
function buttonPage(context: ConnectContext, grant: LinkGrant, spent: boolean): Response {
  const { title, asks, provider } = invitation(context, grant);
  const base = context.options.basePath;
  const status = spent ? TEXTS.spent[1] : `${asks} Sign in to ${provider} with the button below.`;
  const body = [
    `<p id="ce-link-status" role="status">${escapeHtml(status)}</p>`,
    `<div id="ce-link-button"${spent ? ' hidden' : ''}>`,
    `<ce-connect-button element="${escapeHtml(grant.element)}" api-base="${escapeHtml(`${base}/link`)}" mode="auto"></ce-connect-button>`,
    '</div>',
  ];
  return pageResponse(200, page(context, title, body, true), { csp: LINK_CSP });
}

/** The status of a grant, or the 503 page when the store cannot answer. */
async function statusOf(context: ConnectContext, grant: LinkGrant): Promise<LinkStatus | Response> {
  try {
    return await linkStatus(context, grant);
  } catch {
    context.log('state-store.failed', { error: 'store-error' });
    return pageResponse(503, page(context, 'Please try again', [`<p>${escapeHtml(STORE_UNAVAILABLE)}</p>`]), {
      csp: LINK_CSP,
    });
  }
}

/** `GET|POST {basePath}/link/{token}`: the confirm page; its form's POST binds this browser to the link. */
async function handleToken(context: ConnectContext, request: Request, token: string): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'POST') return methodNotAllowed('GET, POST');
  const grant = readLinkToken(context, token);
  if (!grant) {
    context.log('link.refused', { reason: 'invalid' });
    return statusPage(context, 'invalid');
  }
  const status = await statusOf(context, grant);
  if (status instanceof Response) return status;
  if (status !== 'open') {
    context.log('link.refused', { linkId: grant.id, reason: status });
    return statusPage(context, status);
  }
  if (request.method === 'GET') return confirmPage(context, grant);
  if (request.headers.get('sec-fetch-site') === 'cross-site')
    return errorResponse(403, 'Cross-site requests are not allowed');
  context.log('link.confirmed', { linkId: grant.id, element: grant.element });
  return textResponse(303, '', 'text/plain; charset=utf-8', {
    headers: { Location: `${context.options.basePath}/link`, 'Referrer-Policy': 'no-referrer' },
    setCookies: [linkCookie(context, grant)],
  });
}

/** The link this browser confirmed, still open; or the answer that refuses (JSON for the button's requests). */
async function confirmedLink(
  context: ConnectContext,
  request: Request,
): Promise<{ grant: LinkGrant } | { response: Response }> {
  const grant = readLinkCookie(context, request);
  if (!grant) return { response: errorResponse(403, 'Open the connect link again') };
  const status = await statusOf(context, grant);
  if (status instanceof Response) return { response: errorResponse(503, STORE_UNAVAILABLE) };
  if (status !== 'open') return { response: errorResponse(410, TEXTS[status][1]) };
  return { grant };
}

/** Routes `{basePath}/link` and below (`rest`: the segments after `link`). */
export async function routeLink(context: ConnectContext, request: Request, rest: readonly string[]): Promise<Response> {
  const [first = '', second, third, ...extra] = rest;
  if (rest.length === 0) {
    if (request.method !== 'GET') return methodNotAllowed('GET');
    const grant = readLinkCookie(context, request);
    if (!grant) return statusPage(context, 'unconfirmed');
    const status = await statusOf(context, grant);
    if (status instanceof Response) return status;
    // Spent: the browser that confirmed it may be coming back from a redirect-mode sign-in with the result.
    if (status === 'open' || status === 'spent') return buttonPage(context, grant, status === 'spent');
    return statusPage(context, status);
  }
  if (rest.length === 1 && first === 'instances') {
    if (request.method !== 'POST') return methodNotAllowed('POST');
    const link = await confirmedLink(context, request);
    return 'response' in link ? link.response : handlePostInstances(context, request, link.grant.owner, link.grant);
  }
  if (rest.length === 1 && looksLikeLinkToken(first)) return handleToken(context, request, first);
  if (second === 'oauth' && third === 'url' && extra.length === 0 && ELEMENT_KEY_PATTERN.test(first)) {
    if (request.method !== 'GET') return methodNotAllowed('GET');
    const link = await confirmedLink(context, request);
    if ('response' in link) return link.response;
    // Only the link's element, and only a new instance: a link never reconnects.
    if (first !== link.grant.element) return errorResponse(403, 'This link connects another element');
    if (new URL(request.url).searchParams.has('instance'))
      return errorResponse(403, 'A connect link cannot reconnect an instance');
    return handleOAuthUrl(context, request, first, link.grant.owner, link.grant);
  }
  return errorResponse(404, 'Not found');
}

/** `GET {basePath}/assets/ce-connect.js` and `…/link-page.js`: what the link page runs, served by the handler itself. */
export function routeAssets(request: Request, file: string): Promise<Response> | Response {
  if (request.method !== 'GET') return methodNotAllowed('GET');
  if (file === 'ce-connect.js') return handleDistScript('ce-connect.js');
  if (file === 'link-page.js')
    return textResponse(200, PAGE_SCRIPT, 'text/javascript; charset=utf-8', {
      headers: { 'Cache-Control': 'no-cache' },
    });
  return errorResponse(404, 'Not found');
}

/**
 * `GET {basePath}/{element}/oauth/callback`: a flow a connect link started (its signed flow cookie says so) completes
 * for the link's owner, with the link cookie of the same link, without `authorize`; every other flow as before.
 */
export async function handleFlowCallback(
  context: ConnectContext,
  request: Request,
  element: string,
): Promise<Response> {
  const states = new URL(request.url).searchParams.getAll('state');
  const flow =
    states.length === 1 ? context.flows.findByState(request.headers.get('cookie'), states[0] as string) : undefined;
  if (flow?.link === undefined)
    return withOwner(context, request, 'page', (owner) => handleCallback(context, request, element, owner));
  const grant = readLinkCookie(context, request);
  if (!grant || grant.id !== flow.link) {
    // No owner matches the empty one: the flow is spent as another owner's, and the widget hears it failed.
    context.log('link.refused', { linkId: flow.link, reason: 'no-link-cookie' });
    return handleCallback(context, request, element, '');
  }
  // An expired, revoked or spent link fails when the flow tries to spend it, so the widget hears the failure.
  return handleCallback(context, request, element, grant.owner, grant);
}
