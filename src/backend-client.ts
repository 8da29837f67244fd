import { ConnectError, cleanText, type ConnectErrorCode } from './errors.js';
import { INSTANCE_ID_PATTERN } from './protocol.js';

/** What `GET {api-base}/{element}/oauth/url` answers (CONTRACT §4); the state is checked by the caller. */
export interface OAuthUrlResponse {
  oauthUrl: string;
  state: unknown;
}

/** What `POST {api-base}/instances` answers (CONTRACT §4). */
export interface CreatedInstance {
  id: string;
  name?: string;
}

type Json = Record<string, unknown> | undefined;

/** The body as text, refusing (by throwing) anything over 64 KB without reading the rest of it. */
async function readBounded(response: Response): Promise<string> {
  if (Number(response.headers.get('content-length')) > 65536) throw new RangeError('too large');
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (let size = 0; ; ) {
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
 * One call to the host backend: JSON in, a bounded JSON object out. A failure to connect is `stage`; a
 * non-2xx answer is `httpCode` with the status and the JSON `message` when there is one. A redirect is not
 * followed (a login page is not an answer) and, like a 2xx that is not a JSON object ≤ 64 KB, reads as
 * `undefined` for the caller to refuse.
 */
async function call(path: string, init: RequestInit, stage: ConnectErrorCode, httpCode: ConnectErrorCode, apiBase: URL): Promise<Json> {
  let response: Response;
  try {
    response = await fetch(`${apiBase.href.replace(/\/+$/, '')}/${path}`, {
      ...init,
      headers: { Accept: 'application/json', 'X-CE-Connect': '1', ...init.headers },
      // Same-origin keeps cookies to the origin; a cross-origin api-base is the host's explicit CORS opt-in.
      credentials: apiBase.origin === location.origin ? 'same-origin' : 'include',
      redirect: 'manual',
    });
  } catch (error) {
    if ((error as Error)?.name === 'AbortError') throw error;
    throw new ConnectError(stage);
  }
  let body: Json;
  try {
    const parsed: unknown = /^application\/([\w.+-]*\+)?json\s*(;|$)/i.test(response.headers.get('content-type') ?? '') ? JSON.parse(await readBounded(response)) : undefined;
    if (typeof parsed === 'object' && parsed && !Array.isArray(parsed)) body = parsed as Json;
  } catch (error) {
    if ((error as Error)?.name === 'AbortError') throw error;
  }
  if (response.type !== 'opaqueredirect' && !response.ok) {
    throw new ConnectError(httpCode, cleanText(body?.message), response.status);
  }
  return response.ok ? body : undefined;
}

/**
 * Asks the host backend for the provider's sign-in URL and the flow's state. The instance name travels along
 * (`?name=`): in flow 4a the backend creates the instance from a redirect, which cannot carry it.
 */
export async function requestOAuthUrl(apiBase: URL, element: string, name: string, signal: AbortSignal): Promise<OAuthUrlResponse> {
  const query = name ? `?name=${encodeURIComponent(name)}` : '';
  const body = await call(`${encodeURIComponent(element)}/oauth/url${query}`, { signal }, 'network', 'backend', apiBase);
  if (typeof body?.oauthUrl !== 'string' || body.element !== element) throw new ConnectError('bad-response');
  return { oauthUrl: body.oauthUrl, state: body.state };
}

/** Flow 4b: hands the provider's code to the host backend, which creates the instance. */
export async function createInstance(
  apiBase: URL,
  request: { element: string; code: string; state: string; name: string },
  signal: AbortSignal,
): Promise<CreatedInstance> {
  const init: RequestInit = {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ element: { key: request.element }, providerData: { code: request.code }, state: request.state, name: request.name }),
    signal,
  };
  const body = await call('instances', init, 'exchange-failed', 'exchange-failed', apiBase);
  const id = typeof body?.id === 'string' || typeof body?.id === 'number' ? String(body.id) : '';
  if (!INSTANCE_ID_PATTERN.test(id)) throw new ConnectError('exchange-failed');
  const name = cleanText(body?.name);
  return name ? { id, name } : { id };
}
