import { BodyTooLargeError, readBodyText } from './http.js';
import type { CloudElementsInstance, ElementConfig, ResolvedOptions } from './options.js';

/**
 * Largest Cloud Elements answer read, counted after decompression (an instance is a few KB). Past it the call is
 * aborted: a small gzip answer can inflate to gigabytes.
 */
const MAX_RESPONSE_BYTES = 1024 * 1024;

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

/** The Cloud Elements calls of the OAuth flow. */
export interface CloudElementsClient {
  /** `POST /elements/{key}/oauth/url` with the secrets in the JSON body; resolves to the provider URL. */
  oauthUrl(element: string, config: Readonly<ElementConfig>, state: string): Promise<string>;
  /**
   * `POST /instances` exchanging `code`, with key, secret and callback URL from the same config entry, and `tag`
   * among the instance's tags (so it can be found again when the answer never comes).
   */
  createInstance(element: string, config: Readonly<ElementConfig>, code: string, name: string, tag: string): Promise<CreatedInstance>;
  /** `GET /instances?tags[]={tag}`: the ids of the instances carrying `tag`. */
  findInstanceIds(tag: string): Promise<Array<number | string>>;
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

  /**
   * One call; resolves to the parsed JSON body of a 2xx answer, which must be an object or an array when `shape`
   * says so (else `bad-response`).
   */
  async function send(method: 'GET' | 'POST' | 'DELETE', path: string, shape?: 'object' | 'array', payload?: unknown): Promise<unknown> {
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
      text = await readBodyText(response, MAX_RESPONSE_BYTES);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        controller.abort();
        throw new CloudElementsError('bad-response', response!.status);
      }
      throw new CloudElementsError(signal.aborted ? 'timeout' : 'unreachable');
    } finally {
      clearTimeout(timer);
    }
    const body = parseJson(text);
    if (!response.ok) throw new CloudElementsError('error-status', response.status, safeRequestId(response, body));
    const isArray = Array.isArray(body);
    if (shape && (typeof body !== 'object' || body === null || isArray !== (shape === 'array'))) {
      throw new CloudElementsError('bad-response', response.status, safeRequestId(response, body));
    }
    return body;
  }

  return {
    async oauthUrl(element, config, state) {
      const body = <Record<string, unknown>>await send('POST', `/elements/${encodeURIComponent(element)}/oauth/url`, 'object', {
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

    async createInstance(element, config, code, name, tag) {
      const body = <Record<string, unknown>>await send('POST', '/instances', 'object', {
        element: { key: element },
        providerData: { code },
        configuration: {
          'oauth.callback.url': config.callbackUrl,
          'oauth.api.key': config.apiKey,
          'oauth.api.secret': config.apiSecret,
        },
        tags: [tag],
        name,
      });
      const { token, ...instance } = body;
      if (!isInstanceId(instance.id) || typeof token !== 'string' || token === '') {
        throw new CloudElementsError('bad-response', 200);
      }
      return { instance: instance as CloudElementsInstance, token };
    },

    async findInstanceIds(tag) {
      const body = <unknown[]>await send('GET', `/instances?${new URLSearchParams({ 'tags[]': tag })}`, 'array');
      const ids = body.map((instance: unknown) => (instance as { id?: unknown } | null)?.id);
      if (!ids.every(isInstanceId)) throw new CloudElementsError('bad-response', 200);
      return ids as Array<number | string>;
    },

    async deleteInstance(id) {
      await send('DELETE', `/instances/${encodeURIComponent(String(id))}`);
    },
  };
}
