import { callbackPageResponse } from '../callback-page.js';
import type { ConnectContext } from '../context.js';
import { isFlowOwner } from '../host.js';
import { textResponse } from '../http.js';

/**
 * `GET {basePath}/{element}/oauth1/start?state=…` (docs/kinds.md): the URL oauth/url answers for an OAuth 1
 * element. It carries the flow's state, which the element checks, and sends this browser's flow of that state, for
 * its owner, on to the provider URL its cookie recorded; the flow is not consumed (the callback does that).
 */
export function handleOAuth1Start(
  context: ConnectContext,
  request: Request,
  element: string,
  owner: string,
): Promise<Response> {
  const states = new URL(request.url).searchParams.getAll('state');
  const state = states.length === 1 ? states[0] : undefined;
  const flow = context.flows.find(request.headers.get('cookie'), (f) => f.state === state && f.element === element);
  if (!flow?.providerUrl || !isFlowOwner(context, flow, owner)) {
    context.log('oauth1.start-rejected', { element, reason: flow ? 'owner-mismatch' : 'no-flow' });
    return Promise.resolve(callbackPageResponse(context.options.basePath, null, 400, []));
  }
  return Promise.resolve(
    textResponse(303, '', 'text/plain; charset=utf-8', {
      headers: { Location: flow.providerUrl, 'Referrer-Policy': 'no-referrer' },
    }),
  );
}
