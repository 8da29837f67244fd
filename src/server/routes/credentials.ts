import { elementDisplayName } from '../../elements.js';
import { BodyTooLargeError, readBodyText } from '../../node/read-body.js';
import { flowResultResponse } from '../callback-page.js';
import { claimFlow, completeFlow } from '../complete-flow.js';
import type { ConnectContext } from '../context.js';
import { credentialsFormResponse, credentialsNoticeResponse, type CredentialsForm } from '../credentials-page.js';
import type { PendingFlow } from '../flow.js';
import { isFlowOwner } from '../host.js';
import { EXCHANGE_FAILED, FOREIGN_FLOW_MESSAGE } from '../messages.js';
import { pageLanguage, pageTexts, type PageLanguage } from '../page-texts.js';
import type { CallbackResult, ElementConfig } from '../types.js';

/**
 * `GET|POST {basePath}/{element}/credentials?state=…[&lang=…]` (docs/kinds.md): the credentials form of a flow
 * and its post. A post is read only from this browser's flow (its cookie) and owner, from the handler's own
 * origin, form-encoded, at most 16 KB, with the declared fields only; it creates (or, for a reconnect,
 * re-authorises) the instance and answers as the callback route does. A refusal by Cloud Elements shows the form
 * again, until the fifth. What the user typed never reaches a log line, a URL or another answer.
 */

/** Largest form post read. */
const MAX_FORM_BYTES = 16 * 1024;
/** Refusals after which the flow ends as `exchange_failed`. */
export const MAX_CREDENTIAL_ATTEMPTS = 5;

interface PageContext {
  readonly element: string;
  readonly config: Readonly<ElementConfig>;
  readonly state: string;
  readonly lang: PageLanguage;
  readonly title: string;
  readonly texts: ReturnType<typeof pageTexts>;
}

function pageContext(context: ConnectContext, request: Request, element: string): PageContext | undefined {
  const config = context.options.elements.get(element);
  if (config?.auth !== 'credentials') return undefined;
  const query = new URL(request.url).searchParams;
  const states = query.getAll('state');
  const lang = pageLanguage(query.getAll('lang')) ?? 'en';
  const texts = pageTexts(lang, config.displayName ?? elementDisplayName(element) ?? element, context.options.appName);
  const title = context.options.appName === undefined ? texts.title : texts.titleWithApp;
  return { element, config, state: states.length === 1 ? (states[0] as string) : '', lang, title, texts };
}

function form(page: PageContext, extra: Partial<CredentialsForm> = {}): CredentialsForm {
  return { lang: page.lang, texts: page.texts, title: page.title, fields: page.config.fields ?? [], ...extra };
}

const returnOrigin = (flow: PendingFlow) => (flow.returnUrl === undefined ? undefined : new URL(flow.returnUrl).origin);

/** `GET`: the form of this browser's live flow of that state, for its owner; else a plain notice. */
export function handleCredentialsPage(
  context: ConnectContext,
  request: Request,
  element: string,
  owner: string,
): Promise<Response> {
  const page = pageContext(context, request, element);
  if (!page) return Promise.resolve(credentialsNoticeResponse(404, 'en', 'Not found', 'Not found'));
  const flow = context.flows.find(
    request.headers.get('cookie'),
    (f) => f.state === page.state && f.element === element,
  );
  if (!flow || !isFlowOwner(context, flow, owner)) {
    context.log('credentials.rejected', { element, reason: flow ? 'owner-mismatch' : 'no-flow' });
    return Promise.resolve(credentialsNoticeResponse(flow ? 403 : 400, page.lang, page.title, page.texts.gone));
  }
  return Promise.resolve(credentialsFormResponse(200, form(page), returnOrigin(flow)));
}

/** Why a post is refused before anything else is looked at: the log reason and the status. */
function checkPost(context: ConnectContext, request: Request): readonly [string, number] | undefined {
  const { headers } = request;
  const origin = headers.get('origin');
  // The form page's `Referrer-Policy: no-referrer` makes browsers send `Origin: null` for its post; then the
  // browser's own `Sec-Fetch-Site` (which no page can set) must say same-origin.
  const sameOrigin =
    origin === 'null' ? headers.get('sec-fetch-site') === 'same-origin' : origin === context.options.ownOrigin;
  if (!sameOrigin || headers.get('sec-fetch-site') === 'cross-site') return ['origin', 403];
  const type = (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return ['content-type', 415];
  return undefined;
}

/** The posted values by configuration key, or why they cannot be used (an undeclared or repeated field). */
function readValues(text: string, config: Readonly<ElementConfig>): Record<string, string> | undefined {
  const declared = new Set((config.fields ?? []).map((field) => field.key));
  const values: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(text)) {
    if (!declared.has(name) || Object.hasOwn(values, name)) return undefined;
    values[name] = value;
  }
  return values;
}

/** `POST`: checks the post, claims the flow, completes it with the values (see the module comment). */
export async function handleCredentialsPost(
  context: ConnectContext,
  request: Request,
  element: string,
  owner: string,
): Promise<Response> {
  const { options, log } = context;
  const page = pageContext(context, request, element);
  if (!page) return credentialsNoticeResponse(404, 'en', 'Not found', 'Not found');
  const notice = (status: number, message: string) => credentialsNoticeResponse(status, page.lang, page.title, message);
  const refused = checkPost(context, request);
  if (refused) {
    log('credentials.rejected', { element, reason: refused[0] });
    return notice(refused[1], page.texts.unreadable);
  }
  let text: string;
  try {
    text = await readBodyText(request, MAX_FORM_BYTES);
  } catch (error) {
    log('credentials.rejected', { element, reason: error instanceof BodyTooLargeError ? 'too-large' : 'unreadable' });
    return notice(error instanceof BodyTooLargeError ? 413 : 400, page.texts.unreadable);
  }
  const values = readValues(text, page.config);
  if (!values) {
    log('credentials.rejected', { element, reason: 'undeclared-field' });
    return notice(400, page.texts.unreadable);
  }
  const cookies = request.headers.get('cookie');
  const live = context.flows.find(cookies, (f) => f.state === page.state && f.element === element);
  const fields = page.config.fields ?? [];
  // Kept for the form: never a password.
  const kept = Object.fromEntries(
    fields.filter((f) => f.type !== 'password' && values[f.key]).map((f) => [f.key, values[f.key] as string]),
  );
  if (live && isFlowOwner(context, live, owner) && fields.some((f) => f.required !== false && !values[f.key]?.trim())) {
    return credentialsFormResponse(422, form(page, { values: kept, message: page.texts.missing }), returnOrigin(live));
  }
  const claimed = await claimFlow(context, request, page.state, element, owner);
  if (claimed.flow === undefined) {
    log('credentials.rejected', { element, reason: claimed.reason });
    if (claimed.reason === 'expired') {
      const expired = context.flows.find(cookies, (f) => f.state === page.state, true);
      if (expired) {
        const result = { state: page.state, error: 'exchange_failed', errorDescription: EXCHANGE_FAILED };
        return flowResultResponse(options.basePath, expired, result, 200, claimed.setCookies);
      }
    }
    return notice(
      claimed.reason === 'store-unavailable' ? 503 : claimed.reason === 'consumed' ? 409 : 400,
      page.texts.gone,
    );
  }
  const { flow, setCookies } = claimed;
  const result = (outcome: CallbackResult, status = 200) =>
    flowResultResponse(options.basePath, flow, outcome, status, setCookies);
  if (!claimed.ok) {
    log('credentials.rejected', { element, reason: claimed.reason });
    return result({ state: flow.state, error: 'exchange_failed', errorDescription: FOREIGN_FLOW_MESSAGE }, 403);
  }
  const credentials = Object.fromEntries(
    fields.filter((f) => values[f.key]).map((f) => [f.key, values[f.key] as string]),
  );
  const outcome = await completeFlow(context, request, {
    flow,
    providerData: {},
    name: flow.name ?? '',
    owner,
    credentials,
  });
  if (outcome.ok) return result({ state: flow.state, instanceId: outcome.instanceId, name: outcome.name });
  const attempts = (flow.attempts ?? 0) + 1;
  if (!outcome.refused || attempts >= MAX_CREDENTIAL_ATTEMPTS) {
    log('credentials.failed', { element, attempts, reason: outcome.refused ? 'too-many-refusals' : 'upstream' });
    return result({ state: flow.state, error: 'exchange_failed', errorDescription: EXCHANGE_FAILED });
  }
  log('credentials.refused', { element, attempts });
  // The same flow again, its next attempt number the one a post may consume.
  const again = context.flows.record({ ...flow, attempts });
  return credentialsFormResponse(422, form(page, { values: kept, message: page.texts.refused }), returnOrigin(flow), [
    again,
  ]);
}
