import { readProviderAnswer } from './callback-params.js';
import { callbackPageResponse, returnRedirect, type CallbackResult } from './callback-page.js';
import type { ConnectContext } from './context.js';
import { FOREIGN_FLOW_MESSAGE, isFlowOwner } from './owner.js';
import { completeFlow } from './reconnect.js';

const EXCHANGE_FAILED = 'The account could not be connected. Please try again.';
const STORE_UNAVAILABLE = 'The sign-in could not be checked right now. Please try again in a moment.';

/**
 * `GET {basePath}/{element}/oauth/callback` (flow 4a): checks the state against this browser's flow cookie,
 * consumes it, exchanges the code and renders the callback page with the result. Without a usable state the page
 * is neutral and nothing is exchanged (docs/security.md C-9). A flow started in redirect mode gets every result
 * as a `303` back to its recorded return URL instead (docs/protocol.md §13).
 */
export async function handleCallback(context: ConnectContext, request: Request, element: string, owner: string): Promise<Response> {
  const { options, log } = context;
  const query = new URL(request.url).searchParams;
  const states = query.getAll('state');
  if (states.length !== 1) {
    log('callback.rejected', { element, reason: states.length ? 'repeated-state' : 'no-state' });
    return callbackPageResponse(options.basePath, null, 400, []);
  }
  const state = states[0] as string;
  // Consumed (the state store's atomic decision) before anything else, so a concurrent duplicate cannot reach
  // Cloud Elements (docs/security.md D-7), in this process or any other sharing the store.
  const consumed = await context.flows.consume(request.headers.get('cookie'), state);
  if (!consumed.ok) {
    log('callback.rejected', { element, reason: consumed.reason });
    if (consumed.reason === 'store-unavailable') {
      // Fail closed, but tell the widget now: a neutral page would leave it waiting for its timeout.
      const result = { state, error: 'exchange_failed', errorDescription: STORE_UNAVAILABLE };
      return callbackPageResponse(options.basePath, result, 503, consumed.setCookies);
    }
    return callbackPageResponse(options.basePath, null, consumed.reason === 'consumed' ? 409 : 400, consumed.setCookies);
  }
  const { returnUrl } = consumed.flow;
  // From here the flow is known: its result goes back to the page that started it, popup or redirect.
  const page = (result: CallbackResult, status = 200) =>
    returnUrl === undefined
      ? callbackPageResponse(options.basePath, result, status, consumed.setCookies)
      : returnRedirect(returnUrl, result, consumed.setCookies);
  if (!isFlowOwner(context, consumed.flow, owner)) {
    // Spent, and nothing created: a victim's session never completes a flow someone else started.
    log('callback.rejected', { element, reason: 'owner-mismatch' });
    return page({ state, error: 'exchange_failed', errorDescription: FOREIGN_FLOW_MESSAGE }, 403);
  }
  if (consumed.flow.element !== element) {
    log('callback.rejected', { element, reason: 'element-mismatch', flowElement: consumed.flow.element });
    return page({ state, error: 'invalid_request', errorDescription: 'The sign-in result arrived for another element.' });
  }
  const answer = readProviderAnswer(query);
  if (answer.kind === 'invalid') {
    log('callback.rejected', { element, reason: 'invalid-parameters' });
    return page({ state, error: 'invalid_request', errorDescription: answer.description });
  }
  if (answer.kind === 'error') {
    log('callback.provider-error', { element, error: answer.error });
    return page({ state, error: answer.error, errorDescription: answer.description });
  }
  const { flow } = consumed;
  const completed = { element, code: answer.code, name: flow.name ?? '', state, owner, instance: flow.instance, site: flow.site };
  const outcome = await completeFlow(context, request, completed);
  if (!outcome.ok) return page({ state, error: 'exchange_failed', errorDescription: EXCHANGE_FAILED });
  return page({ state, instanceId: outcome.instanceId, name: outcome.name });
}
