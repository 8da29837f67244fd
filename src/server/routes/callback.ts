import { callbackPageResponse, flowResultResponse } from '../callback-page.js';
import { claimFlow, completeFlow } from '../complete-flow.js';
import type { ElementRoute } from '../connect-links.js';
import { EXCHANGE_FAILED, FOREIGN_FLOW_MESSAGE, STORE_UNAVAILABLE } from '../messages.js';
import { signInKindOf } from '../sign-in/kinds.js';
import type { CallbackResult } from '../types.js';

/**
 * `GET {basePath}/{element}/oauth/callback` (flow 4a): claims the flow of the state against this browser's flow
 * cookie, has the element's sign-in kind read the provider's answer, completes the flow and renders the callback
 * page with the result. Without a usable state the page is neutral and nothing is exchanged (docs/security.md
 * C-9). A flow started in redirect mode gets every result as a `303` back to its recorded return URL instead
 * (docs/protocol.md §13).
 */
export const handleCallback: ElementRoute = async (context, request, element, owner, link) => {
  const { options, log } = context;
  const kind = signInKindOf(options.elements.get(element)!);
  const states = kind.callbackState
    ? [kind.callbackState(context, request)].filter((s) => s !== undefined)
    : new URL(request.url).searchParams.getAll('state');
  if (states.length !== 1) {
    log('callback.rejected', {
      element,
      reason: kind.callbackState ? 'no-flow-cookie' : states.length ? 'repeated-state' : 'no-state',
    });
    return callbackPageResponse(options.basePath, null, 400, []);
  }
  const state = states[0] as string;
  const claimed = await claimFlow(context, request, state, element, owner);
  if (claimed.flow === undefined) {
    log('callback.rejected', { element, reason: claimed.reason });
    if (claimed.reason === 'store-unavailable') {
      // Fail closed, but tell the widget now: a neutral page would leave it waiting for its timeout.
      const result = { state, error: 'exchange_failed', errorDescription: STORE_UNAVAILABLE };
      return callbackPageResponse(options.basePath, result, 503, claimed.setCookies);
    }
    return callbackPageResponse(options.basePath, null, claimed.reason === 'consumed' ? 409 : 400, claimed.setCookies);
  }
  const { flow, setCookies } = claimed;
  // From here the flow is known: its result goes back to the page that started it, popup or redirect.
  const page = (result: CallbackResult, status = 200) =>
    flowResultResponse(options.basePath, flow, result, status, setCookies);
  if (!claimed.ok) {
    if (claimed.reason === 'owner-mismatch') {
      log('callback.rejected', { element, reason: 'owner-mismatch' });
      return page({ state, error: 'exchange_failed', errorDescription: FOREIGN_FLOW_MESSAGE }, 403);
    }
    log('callback.rejected', { element, reason: 'element-mismatch', flowElement: flow.element });
    return page({
      state,
      error: 'invalid_request',
      errorDescription: 'The sign-in result arrived for another element.',
    });
  }
  const answer = await kind.complete(request, flow, context);
  if (answer.kind === 'invalid') {
    log('callback.rejected', {
      element,
      reason: answer.error === 'invalid_callback' ? 'invalid-callback' : 'invalid-parameters',
    });
    return page({ state, error: answer.error, errorDescription: answer.description });
  }
  if (answer.kind === 'error') {
    log('callback.provider-error', { element, error: answer.error });
    return page({ state, error: answer.error, errorDescription: answer.description });
  }
  const outcome = await completeFlow(context, request, {
    flow,
    providerData: answer.providerData,
    name: flow.name ?? '',
    owner,
    link,
  });
  if (!outcome.ok) return page({ state, error: 'exchange_failed', errorDescription: EXCHANGE_FAILED });
  return page({ state, instanceId: outcome.instanceId, name: outcome.name });
};
