import { ConnectError, type ConnectErrorCode } from './errors.js';
import { RESULT_INSTANCE_ID_PATTERN, toDisplayText } from './protocol-rules.js';

/** What `GET {api-base}/{element}/oauth/url` answers (docs/protocol.md §4.3); the state is checked by the caller. */
export interface OAuthUrlResponse {
  oauthUrl: string;
  state: unknown;
}

/** What an oauth/url request carries: `returnUrl` only in redirect mode. */
export interface OAuthUrlRequest {
  element: string;
  name: string;
  instance?: string;
  site?: string;
  returnUrl?: string;
  lang?: string;
}

/** What `POST {api-base}/instances` answers (docs/protocol.md §4.4). */
export interface CreatedInstance {
  id: string;
  name?: string;
}

/** What one request to the backend gave: its status (0 for a redirect, which is never followed) and JSON body. */
interface Answer {
  status: number;
  body?: Record<string, unknown>;
}

const ok = ({ status }: Answer) => status > 199 && status < 300;

/** A failed answer as the error `code`, with the status and the backend's JSON `message` when there is one. */
const refusal = (code: ConnectErrorCode, { status, body }: Answer) =>
  new ConnectError(code, toDisplayText(body?.message), status || undefined);

/** The body as text, refusing (by throwing) anything over 64 KB without reading the rest of it. */
async function readBounded(response: Response): Promise<string> {
  if (Number(response.headers.get('content-length')) > 65536) throw new RangeError('too large');
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (let size = 0; ;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    size += value.length;
    if (size > 65536) {
      void reader.cancel();
      throw new RangeError('too large');
    }
    text += decoder.decode(value, { stream: true });
  }
}

/**
 * One call to the host backend: JSON in, the status and a bounded JSON object out (no body unless it is a JSON
 * object ≤ 64 KB). A failure to connect throws a `ConnectError` with `codeIfUnreachable`, which says what could
 * not be done (`network` for oauth/url and the status check, `exchange-failed`, `disconnect-failed`). A redirect
 * is not followed (a login page is not an answer): it reads as status 0.
 */
async function call(
  apiBase: URL,
  path: string,
  codeIfUnreachable: ConnectErrorCode,
  init: RequestInit,
): Promise<Answer> {
  let response: Response;
  const crossOrigin = apiBase.origin !== location.origin;
  try {
    response = await fetch(apiBase.href + path, {
      ...init,
      headers: { Accept: 'application/json', 'X-CE-Connect': '1', ...init.headers },
      // Same-origin keeps cookies to the origin; a cross-origin api-base is the host's explicit CORS opt-in.
      credentials: crossOrigin ? 'include' : 'same-origin',
      redirect: 'manual',
    });
  } catch (error) {
    if ((error as Error)?.name === 'AbortError') throw error;
    // A cross-origin fetch that fails outright is most often a CORS refusal, which the page cannot tell apart.
    throw new ConnectError(
      codeIfUnreachable,
      crossOrigin ? "The backend refused this page's origin, or could not be reached." : undefined,
    );
  }
  const answer: Answer = { status: response.type === 'opaqueredirect' ? 0 : response.status };
  try {
    const parsed: unknown = /^application\/([\w.+-]*\+)?json\s*(;|$)/i.test(response.headers.get('content-type') ?? '')
      ? JSON.parse(await readBounded(response))
      : undefined;
    // Copied onto no prototype: a field the backend did not send reads undefined even if Object.prototype is polluted.
    if (typeof parsed === 'object' && parsed && !Array.isArray(parsed))
      answer.body = Object.assign(Object.create(null) as Record<string, unknown>, parsed);
  } catch (error) {
    if ((error as Error)?.name === 'AbortError') throw error;
  }
  return answer;
}

/** The query of an oauth/url request: only the parameters that have a value. */
function query(parameters: Record<string, string | undefined>): string {
  const text = String(new URLSearchParams(Object.entries(parameters).filter(([, value]) => value) as string[][]));
  return text && `?${text}`;
}

/**
 * Asks the host backend for the provider's sign-in URL and the flow's state. The instance name travels along
 * (`name`: in flow 4a the backend creates the instance from a redirect, which cannot carry it), as do the
 * instance a reconnect re-authorises (`instance`), the site the user named (`site`) and, in redirect mode, the
 * page to come back to (`mode=redirect&return=`), and the button's language (`lang`, for the backend's own
 * pages). A refused site or return URL (`400 {"field": "site"}`, `{"field": "return"}`) is the page's configuration
 * problem: `invalid-config` with the backend's message; a `502 {"code": "invalid-oauth-url"}` (the element's config
 * makes no usable sign-in URL) is `invalid-oauth-url` with it.
 */
export async function requestOAuthUrl(
  apiBase: URL,
  request: OAuthUrlRequest,
  signal: AbortSignal,
): Promise<OAuthUrlResponse> {
  const { element, name, instance, site, returnUrl, lang } = request;
  const parameters = { name, instance, site, mode: returnUrl && 'redirect', return: returnUrl, lang };
  const answer = await call(apiBase, `${encodeURIComponent(element)}/oauth/url${query(parameters)}`, 'network', {
    signal,
  });
  const { status, body } = answer;
  if (status && !ok(answer))
    throw refusal(
      status === 400 && /^(site|return)$/.test(body?.field as string)
        ? 'invalid-config'
        : // The backend's own verdict that Cloud Elements could not make a usable URL from the host's element config.
          body?.code === 'invalid-oauth-url'
          ? 'invalid-oauth-url'
          : 'backend',
      answer,
    );
  if (typeof body?.oauthUrl !== 'string' || body.element !== element || !status) throw new ConnectError('bad-response');
  return { oauthUrl: body.oauthUrl, state: body.state };
}

/** Flow 4b: hands the provider's code (with the callback's other parameters, `providerData`) to the host backend, which creates (or, for a reconnect, re-authorises) the instance. */
export async function createInstance(
  apiBase: URL,
  request: { element: string; providerData: Record<string, string>; state: string; name: string },
  signal: AbortSignal,
): Promise<CreatedInstance> {
  const init: RequestInit = {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      element: { key: request.element },
      providerData: request.providerData,
      state: request.state,
      name: request.name,
    }),
    signal,
  };
  const answer = await call(apiBase, 'instances', 'exchange-failed', init);
  if (!ok(answer)) throw refusal('exchange-failed', answer);
  const { body } = answer;
  const id = typeof body?.id === 'string' || typeof body?.id === 'number' ? String(body.id) : '';
  if (!RESULT_INSTANCE_ID_PATTERN.test(id)) throw new ConnectError('exchange-failed');
  const name = toDisplayText(body?.name);
  return name ? { id, name } : { id };
}

/** What the backend said of an instance: `undefined` when it said nothing usable. */
export type InstanceHealthAnswer = 'connected' | 'needs-reconnect' | 'missing' | undefined;

/**
 * Asks the host backend how a connection the host knows about is doing: `needs-reconnect` or `connected`
 * when it says so, `missing` when it does not know the instance (`404 {"code": "unknown-instance"}`), and
 * `undefined` for any other outcome (a backend without the route keeps the page's own view).
 */
export async function checkInstance(apiBase: URL, id: string, signal: AbortSignal): Promise<InstanceHealthAnswer> {
  const answer = await call(apiBase, `instances/${encodeURIComponent(id)}`, 'network', { signal });
  if (answer.status === 404 && answer.body?.code === 'unknown-instance') return 'missing';
  const status = answer.body?.status;
  return ok(answer) && (status === 'connected' || status === 'needs-reconnect') ? status : undefined;
}

/** Removes the connection at the host backend (and so at Cloud Elements); throws `disconnect-failed`. */
export async function deleteInstance(apiBase: URL, id: string): Promise<void> {
  const answer = await call(apiBase, `instances/${encodeURIComponent(id)}`, 'disconnect-failed', { method: 'DELETE' });
  if (!ok(answer)) throw refusal('disconnect-failed', answer);
}
