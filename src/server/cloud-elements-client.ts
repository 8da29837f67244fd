import type { CloudElementsInstance, ElementConfig, ResolvedOptions } from './options.js';

/** How a Cloud Elements call failed. */
export type CloudElementsFailure = 'unreachable' | 'timeout' | 'error-status' | 'bad-response';

/** A failed Cloud Elements call. Carries only facts that are safe to log: never the response body. */
export class CloudElementsError extends Error {
  override readonly name = 'CloudElementsError';

  constructor(
    readonly failure: CloudElementsFailure,
    readonly status?: number,
    readonly requestId?: string,
  ) {
    super(`Cloud Elements call failed: ${failure}${status ? ` (HTTP ${status})` : ''}`);
  }
}

/** A created instance, its token kept apart from the rest. */
export interface CreatedInstance {
  readonly instance: CloudElementsInstance;
  readonly token: string;
}

/** The two Cloud Elements calls of the OAuth flow. */
export interface CloudElementsClient {
  /** `POST /elements/{key}/oauth/url` with the secrets in the JSON body; resolves to the provider URL. */
  oauthUrl(element: string, config: Readonly<ElementConfig>, state: string): Promise<string>;
  /** `POST /instances` exchanging `code`, with key, secret and callback URL from the same config entry. */
  createInstance(element: string, config: Readonly<ElementConfig>, code: string, name: string): Promise<CreatedInstance>;
  /** `DELETE /instances/{id}`: removes an instance the host could not store. */
  deleteInstance(id: number | string): Promise<void>;
}

function safeRequestId(response: Response, body: unknown): string | undefined {
  const fromBody = typeof body === 'object' && body !== null ? (body as { requestId?: unknown }).requestId : undefined;
  const id = response.headers.get('elements-request-id') ?? fromBody;
  return typeof id === 'string' && /^[A-Za-z0-9-]{1,64}$/.test(id) ? id : undefined;
}

/** Cloud Elements ids are numbers; a short token-like string is tolerated. Anything else is a bad response. */
function isInstanceId(id: unknown): boolean {
  if (typeof id === 'number') return Number.isSafeInteger(id);
  return typeof id === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(id);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Creates the client; every call is aborted after `timeoutMs`. */
export function createCloudElementsClient(options: ResolvedOptions): CloudElementsClient {
  const { baseUrl, authorization, timeoutMs } = options.cloudElements;

  async function send(method: 'POST' | 'DELETE', path: string, payload?: unknown): Promise<Record<string, unknown>> {
    // A referenced timer (AbortSignal.timeout's is not), so a pending call keeps the process alive until it ends.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const signal = controller.signal;
    let response: Response;
    let text: string;
    try {
      response = await options.fetch(baseUrl + path, {
        method,
        headers: { Authorization: authorization, 'Content-Type': 'application/json', Accept: 'application/json' },
        ...(payload !== undefined && { body: JSON.stringify(payload) }),
        signal,
        // A redirect would re-send the Authorization header somewhere we did not choose.
        redirect: 'error',
      });
      text = await response.text();
    } catch {
      throw new CloudElementsError(signal.aborted ? 'timeout' : 'unreachable');
    } finally {
      clearTimeout(timer);
    }
    const body = parseJson(text);
    if (!response.ok) throw new CloudElementsError('error-status', response.status, safeRequestId(response, body));
    if (method === 'DELETE') return {};
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new CloudElementsError('bad-response', response.status, safeRequestId(response, body));
    }
    return body as Record<string, unknown>;
  }

  return {
    async oauthUrl(element, config, state) {
      const body = await send('POST', `/elements/${encodeURIComponent(element)}/oauth/url`, {
        apiKey: config.apiKey,
        apiSecret: config.apiSecret,
        callbackUrl: config.callbackUrl,
        state,
        ...(config.scope !== undefined && { scope: config.scope }),
        ...(config.siteAddress !== undefined && { siteAddress: config.siteAddress }),
      });
      if (typeof body.oauthUrl !== 'string') throw new CloudElementsError('bad-response', 200);
      return body.oauthUrl;
    },

    async createInstance(element, config, code, name) {
      const body = await send('POST', '/instances', {
        element: { key: element },
        providerData: { code },
        configuration: {
          'oauth.callback.url': config.callbackUrl,
          'oauth.api.key': config.apiKey,
          'oauth.api.secret': config.apiSecret,
        },
        name,
      });
      const { token, ...instance } = body;
      if (!isInstanceId(instance.id) || typeof token !== 'string' || token === '') {
        throw new CloudElementsError('bad-response', 200);
      }
      return { instance: instance as CloudElementsInstance, token };
    },

    async deleteInstance(id) {
      await send('DELETE', `/instances/${encodeURIComponent(String(id))}`);
    },
  };
}
