import { createHash } from 'node:crypto';
import { escapeHtml, pageResponse } from './pages.js';
import type { PageLanguage, PageTexts } from './page-texts.js';
import type { CredentialField } from './types.js';

/**
 * The credentials form (docs/kinds.md): one `<form method="post">` built from the element's fields, inputs named
 * by their configuration keys, every input labelled and its help linked with `aria-describedby`; light and dark
 * from CSS alone; no script. Its CSP allows only its own style (by hash) and a post to itself, or, in redirect
 * mode, the answer's redirect to the return page.
 */

const STYLE = `:root{color-scheme:light dark;font:16px/1.5 system-ui,sans-serif;background:#fff;color:#1a1a1a}
body{max-width:28rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.4rem;margin:0 0 .5rem}
label{display:block;font-weight:600;margin-top:1rem}
input{display:block;box-sizing:border-box;width:100%;margin-top:.25rem;padding:.5rem;font:inherit;color:inherit;background:transparent;border:1px solid #595959;border-radius:4px}
.help{margin:.25rem 0 0;font-size:.9rem;color:#4a4a4a}
.error{padding:.5rem .75rem;border-left:4px solid #b3261e;color:#8c1d18;background:#fdecea}
button{margin-top:1.5rem;padding:.6rem 1.2rem;font:inherit;font-weight:600;color:#fff;background:#1f5fbf;border:0;border-radius:4px}
@media (prefers-color-scheme:dark){:root{background:#121212;color:#ececec}input{border-color:#9a9a9a}.help{color:#c4c4c4}
.error{color:#ffd9d5;background:#3b1512;border-color:#ff8a80}button{background:#8ab4f8;color:#0b1a33}}`;

const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

/** What the form shows: its texts, the fields, the values kept, and a message after a refusal. */
export interface CredentialsForm {
  readonly lang: PageLanguage;
  readonly texts: PageTexts;
  readonly title: string;
  readonly fields: readonly CredentialField[];
  /** Values to write back (never a password's). */
  readonly values?: Readonly<Record<string, string>>;
  readonly message?: string;
}

const AUTOCOMPLETE: Readonly<Record<string, string>> = {
  password: 'current-password',
  email: 'username',
  url: 'url',
  text: 'off',
};

function renderField(field: CredentialField, index: number, form: CredentialsForm): string {
  const id = `f${index}`;
  const type = field.type ?? 'text';
  const required = field.required !== false;
  const value = type === 'password' ? undefined : form.values?.[field.key];
  const help = field.help === undefined ? '' : `\n<p class="help" id="${id}-help">${escapeHtml(field.help)}</p>`;
  const optional = required ? '' : ` ${escapeHtml(form.texts.optional)}`;
  const attributes = [
    `id="${id}"`,
    `name="${escapeHtml(field.key)}"`,
    `type="${type}"`,
    `autocomplete="${AUTOCOMPLETE[type]}"`,
    ...(required ? ['required'] : []),
    ...(value ? [`value="${escapeHtml(value)}"`] : []),
    ...(field.help === undefined ? [] : [`aria-describedby="${id}-help"`]),
    ...(form.message ? ['aria-invalid="true"'] : []),
  ];
  return `<label for="${id}">${escapeHtml(field.label)}${optional}</label>\n<input ${attributes.join(' ')}>${help}`;
}

/** The page's CSP: its style, a post to itself, and (redirect mode) the return page's origin the answer goes to. */
function policy(returnOrigin: string | undefined): string {
  const action = `'self'${returnOrigin ? ` ${returnOrigin}` : ''}`;
  return `default-src 'none'; style-src ${STYLE_HASH}; form-action ${action}; frame-ancestors 'none'; base-uri 'none'`;
}

function page(lang: PageLanguage, title: string, body: string): string {
  return [
    '<!doctype html>',
    `<html lang="${lang}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<main>',
    `<h1>${escapeHtml(title)}</h1>`,
    body,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** The form as a response (`status` 200, or 422 after a refusal), with the cookie that records the next attempt. */
export function credentialsFormResponse(
  status: number,
  form: CredentialsForm,
  returnOrigin: string | undefined,
  setCookies: readonly string[] = [],
): Response {
  const message = form.message ? `<p class="error" role="alert" id="message">${escapeHtml(form.message)}</p>\n` : '';
  const fields = form.fields.map((field, index) => renderField(field, index, form)).join('\n');
  // No action: the form posts to this very URL, whose query carries the state and language.
  const body = `${message}<p>${escapeHtml(form.texts.intro)}</p>\n<form method="post">\n${fields}\n<button type="submit">${escapeHtml(form.texts.submit)}</button>\n</form>`;
  return pageResponse(status, page(form.lang, form.title, body), { csp: policy(returnOrigin), setCookies });
}

/** A page with a plain message and nothing to do (no flow to continue, or a post the form cannot have sent). */
export function credentialsNoticeResponse(
  status: number,
  lang: PageLanguage,
  title: string,
  message: string,
): Response {
  return pageResponse(status, page(lang, title, `<p role="alert">${escapeHtml(message)}</p>`), {
    csp: policy(undefined),
  });
}
