import { randomBytes } from 'node:crypto';
import { escapeHtml } from '../node/html-escape.js';
import type { SandboxElement } from './catalogue.js';

/** What a consent page shows. */
export interface ConsentView {
  readonly element: SandboxElement;
  readonly appName: string;
  readonly scope: string | undefined;
  readonly siteAddress: string | undefined;
  /** Id of the pending consent, posted back with the decision. */
  readonly consentId: string;
  /** Origin of the redirect URI: the decision's 303 goes there, so the form may too. */
  readonly redirectOrigin: string;
}

function luminance(hex: string): number {
  const channels = [1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16) / 255);
  const [r = 0, g = 0, b = 0] = channels.map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** White or near-black, whichever contrasts more with the brand colour. */
function textOn(hex: string): string {
  const l = luminance(hex);
  return 1.05 / (l + 0.05) >= (l + 0.05) / 0.05 ? '#ffffff' : '#111827';
}

const STYLE = `
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: #f3f4f6;
    font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2937; }
  main { width: min(420px, calc(100vw - 32px)); background: #fff; border-radius: 12px; overflow: hidden;
    box-shadow: 0 1px 2px rgb(0 0 0 / 6%), 0 8px 24px rgb(0 0 0 / 8%); }
  header { background: var(--brand); color: var(--on-brand); padding: 20px 24px;
    display: flex; align-items: center; gap: 12px; }
  header h1 { margin: 0; font-size: 18px; font-weight: 600; }
  .logo { width: 40px; height: 40px; border-radius: 50%; background: var(--on-brand); color: var(--brand);
    display: grid; place-items: center; font-weight: 700; font-size: 18px; }
  .content { padding: 20px 24px 24px; }
  .content p { margin: 0 0 12px; }
  ul { margin: 0 0 12px; padding-left: 20px; }
  code { background: #f3f4f6; border-radius: 4px; padding: 1px 5px; font-size: 13px; }
  .actions { display: flex; gap: 12px; justify-content: flex-end; margin-top: 20px; }
  button { font: inherit; padding: 8px 20px; border-radius: 6px; cursor: pointer; border: 1px solid #d1d5db;
    background: #fff; color: #1f2937; }
  button[value="allow"] { background: var(--brand); border-color: var(--brand); color: var(--on-brand); }
  button:focus-visible { outline: 3px solid #2563eb; outline-offset: 2px; }
  .note { font-size: 12px; color: #6b7280; margin: 16px 0 0; }
`;

/** A rendered provider page and the CSP that lets exactly its own style element apply. */
export interface RenderedPage {
  readonly html: string;
  readonly contentSecurityPolicy: string;
}

function page(element: SandboxElement, title: string, content: string, formAction = "'none'"): RenderedPage {
  const nonce = randomBytes(16).toString('base64');
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style nonce="${nonce}">
  :root { --brand: ${element.brandColour}; --on-brand: ${textOn(element.brandColour)}; }${STYLE}</style>
</head>
<body>
<main>
<header>
<span class="logo" aria-hidden="true">${escapeHtml(element.name.charAt(0))}</span><h1>${escapeHtml(element.name)}</h1>
</header>
<div class="content">
${content}
<p class="note">ce-connect sandbox: an emulated provider page. No real account is involved.</p>
</div>
</main>
</body>
</html>
`;
  const contentSecurityPolicy = [
    "default-src 'none'",
    `style-src 'nonce-${nonce}'`,
    `form-action ${formAction}`,
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html, contentSecurityPolicy };
}

/** The consent screen: who asks, for what, and real Allow and Deny buttons posting to the decision URL. */
export function renderConsentPage(view: ConsentView): RenderedPage {
  const { element } = view;
  const scopes = (view.scope ?? '').split(/[\s,]+/).filter(Boolean);
  const scopeList = scopes.length
    ? `<ul>${scopes.map((scope) => `<li><code>${escapeHtml(scope)}</code></li>`).join('')}</ul>`
    : '<ul><li>Basic access to your account</li></ul>';
  const site = view.siteAddress ? `<p>Site: <code>${escapeHtml(view.siteAddress)}</code></p>` : '';
  const who = `<strong>${escapeHtml(view.appName)}</strong>`;
  const content = `<p>${who} wants to access your ${escapeHtml(element.name)} account.</p>
<p>Signed in as <strong>sandbox.user@example.com</strong></p>
${site}<p>It asks for:</p>
${scopeList}
<form method="post" action="/oauth/${escapeHtml(element.key)}/decision">
<input type="hidden" name="consent" value="${escapeHtml(view.consentId)}">
<div class="actions">
<button type="submit" name="decision" value="deny">Deny</button>
<button type="submit" name="decision" value="allow">Allow</button>
</div>
</form>`;
  // Browsers apply form-action to the redirect after the post too, so the callback's origin must be allowed.
  return page(element, `Sign in with ${element.name}`, content, `'self' ${view.redirectOrigin}`);
}

/** A provider error page (no redirect, as a real provider does for an unknown client or redirect URI). */
export function renderErrorPage(element: SandboxElement, message: string): RenderedPage {
  return page(element, `${element.name}: sign-in error`, `<p role="alert">${escapeHtml(message)}</p>`);
}
