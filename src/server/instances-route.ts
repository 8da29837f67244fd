import { BodyTooLargeError, readBodyText } from '../node/read-body.js';
import { CODE_PATTERN, isInstanceName, STATE_PATTERN } from '../protocol-rules.js';
import type { ConnectContext } from './context.js';
import { errorResponse, jsonResponse } from './http.js';
import { FOREIGN_FLOW_MESSAGE, isFlowOwner } from './owner.js';
import { completeFlow } from './reconnect.js';
import { checkBrowserRequest, GUARD_MESSAGES } from './request-guards.js';

/** Largest accepted request body. */
const MAX_BODY_BYTES = 16 * 1024;

/** The body of `POST {basePath}/instances`. */
interface ExchangeRequest {
  readonly elementKey: string;
  readonly code: string;
  readonly state: string;
  readonly name: string;
}

const REJECTIONS = {
  'no-flow-cookie': [400, 'No sign-in is pending in this browser (its flow cookie was not sent)'],
  'unknown-state': [400, 'Unknown sign-in state'],
  expired: [400, 'This sign-in has expired; please start again'],
  consumed: [409, 'This sign-in has already been completed'],
  'store-unavailable': [503, 'The sign-in could not be checked right now; please try again in a moment'],
} as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks the body's shape; `undefined` when anything is missing, mistyped or out of range. */
function parseExchangeRequest(text: string): ExchangeRequest | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(body) || !isRecord(body.element) || !isRecord(body.providerData)) return undefined;
  const { key } = body.element;
  const { code } = body.providerData;
  const { state, name = '' } = body;
  if (typeof key !== 'string' || typeof code !== 'string' || !CODE_PATTERN.test(code)) return undefined;
  if (typeof state !== 'string' || !STATE_PATTERN.test(state)) return undefined;
  if (!isInstanceName(name)) return undefined;
  return { elementKey: key, code, state, name: name.trim() };
}

/**
 * `POST {basePath}/instances` (flow 4b): a same-origin JSON request carrying the code the static callback page
 * relayed. The element comes from the flow record; a body that names another element is refused (docs/security.md D-8).
 */
export async function handleInstances(context: ConnectContext, request: Request, owner: string): Promise<Response> {
  const { options, log } = context;
  const refused = checkBrowserRequest(request, options.allowedOrigins, { requireOrigin: true, requireJson: true });
  if (refused) {
    log('request.refused', { route: 'instances', reason: refused, origin: request.headers.get('origin') ?? undefined });
    return errorResponse(403, GUARD_MESSAGES[refused]);
  }
  let text: string;
  try {
    text = await readBodyText(request, MAX_BODY_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return errorResponse(413, 'The request body is too large');
    return errorResponse(400, 'The request body could not be read');
  }
  const body = parseExchangeRequest(text);
  if (!body) return errorResponse(400, 'Expected {"element": {"key"}, "providerData": {"code"}, "state", "name"?}');
  const consumed = await context.flows.consume(request.headers.get('cookie'), body.state);
  if (!consumed.ok) {
    log('exchange.rejected', { reason: consumed.reason });
    const [status, message] = REJECTIONS[consumed.reason];
    return errorResponse(status, message, { setCookies: consumed.setCookies });
  }
  const { flow, setCookies } = consumed;
  if (!isFlowOwner(context, flow, owner)) {
    // Spent, and nothing created: a victim's session never completes a flow someone else started.
    log('exchange.rejected', { reason: 'owner-mismatch', element: flow.element });
    return errorResponse(403, FOREIGN_FLOW_MESSAGE, { setCookies });
  }
  if (body.elementKey !== flow.element) {
    log('exchange.rejected', { reason: 'element-mismatch', element: flow.element });
    return errorResponse(400, 'The element does not match the sign-in that was started', { setCookies });
  }
  const name = body.name || (flow.name ?? '');
  const completed = { element: flow.element, code: body.code, name, state: flow.state, owner, instance: flow.instance, site: flow.site };
  const outcome = await completeFlow(context, request, completed);
  if (!outcome.ok) return errorResponse(outcome.failure.status, outcome.failure.message, { setCookies });
  const created = { id: outcome.instanceId, name: outcome.name, element: { key: flow.element } };
  // A reconnect re-authorised the same instance: 200 with its id; a new one is 201.
  return jsonResponse(flow.instance === undefined ? 201 : 200, created, { setCookies });
}
