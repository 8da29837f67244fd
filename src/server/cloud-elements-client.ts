import { INSTANCE_ID_PATTERN } from '../protocol-rules.js';
import { instanceBody, instanceTags, type InstanceExtras, type InstanceSpec } from './element-settings.js';
import { BodyTooLargeError, readBodyText } from '../node/read-body.js';
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
  /**
   * `POST /elements/{key}/oauth/url` with the secrets in the JSON body, and `site` as `siteAddress`; resolves to the
   * provider URL.
   */
  oauthUrl(element: string, config: Readonly<ElementConfig>, state: string, site?: string): Promise<string>;
  /**
   * `POST /instances` exchanging `code`, with key, secret and callback URL from the same config entry, and `tag`
   * among the instance's tags (so it can be found again when the answer never comes), with the owner tag and the
   * element's tags; the element's configuration and the site address (`extra`) go along.
   */
  createInstance(
    element: string,
    config: Readonly<ElementConfig>,
    code: string,
    name: string,
    tag: string,
    extra: InstanceExtras,
  ): Promise<CreatedInstance>;
  /** `GET /instances?tags[]={tag}`: the ids of the instances carrying `tag`. */
  findInstanceIds(tag: string): Promise<Array<number | string>>;
  /** `DELETE /instances/{id}`: removes an instance the host could not store, or one its owner disconnects. */
  deleteInstance(id: number | string): Promise<void>;
  /** `GET /instances/{id}`, without the token; a missing instance is an `error-status` 404. */
  getInstance(id: string): Promise<CloudElementsInstance>;
  /** `GET /instances?tags[]={tag}`: the instances carrying `tag`, without their tokens (one page). */
  listInstances(tag: string): Promise<CloudElementsInstance[]>;
  /**
   * `PUT /instances/{id}` with the full create body (the same builder as `createInstance`: key, secret and
   * callback URL from the one config entry): re-authorises the instance with a new code; the id stays.
   */
  reauthorizeInstance(
    id: string,
    element: string,
    config: Readonly<ElementConfig>,
    code: string,
    spec: InstanceSpec,
  ): Promise<CreatedInstance>;
}

/** The instance without its token; a bad id is a bad response. */
function withoutToken(body: unknown): CloudElementsInstance {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new CloudElementsError('bad-response', 200);
  const instance: Record<string, unknown> = { ...body };
  delete instance.token;
  if (!isInstanceId(instance.id)) throw new CloudElementsError('bad-response', 200);
  return instance as CloudElementsInstance;
}

function safeRequestId(response: Response, body: unknown): string | undefined {
  const fromBody = typeof body === 'object' && body !== null ? (body as { requestId?: unknown }).requestId : undefined;
  const id = response.headers.get('elements-request-id') ?? fromBody;
  return typeof id === 'string' && /^[A-Za-z0-9-]{1,64}$/.test(id) ? id : undefined;
}

/** Cloud Elements ids are numbers; a short token-like string is tolerated. Anything else is a bad response. */
function isInstanceId(id: unknown): boolean {
  if (typeof id === 'number') return Number.isSafeInteger(id);
  return typeof id === 'string' && INSTANCE_ID_PATTERN.test(id);
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
  async function send(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    shape?: 'object' | 'array',
    payload?: unknown,
  ): Promise<unknown> {
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
    async oauthUrl(element, config, state, site) {
      const body = <Record<string, unknown>>await send('POST', `/elements/${encodeURIComponent(element)}/oauth/url`, 'object', {
        apiKey: config.apiKey,
        apiSecret: config.apiSecret,
        callbackUrl: config.callbackUrl,
        state,
        ...(config.scope !== undefined && { scope: config.scope }),
        ...(site !== undefined && { siteAddress: site }),
      });
      if (typeof body.oauthUrl !== 'string') throw new CloudElementsError('bad-response', 200);
      return body.oauthUrl;
    },

    async createInstance(element, config, code, name, tag, extra) {
      const spec = { name, tags: instanceTags(config, extra.ownerTag, tag), ...(extra.site !== undefined && { site: extra.site }) };
      const body = <Record<string, unknown>>await send('POST', '/instances', 'object', instanceBody(element, config, code, spec));
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

    async getInstance(id) {
      return withoutToken(await send('GET', `/instances/${encodeURIComponent(id)}`, 'object'));
    },

    async listInstances(tag) {
      const body = <unknown[]>await send('GET', `/instances?${new URLSearchParams({ 'tags[]': tag })}`, 'array');
      return body.map(withoutToken);
    },

    async reauthorizeInstance(id, element, config, code, spec) {
      const body = <Record<string, unknown>>(
        await send('PUT', `/instances/${encodeURIComponent(id)}`, 'object', instanceBody(element, config, code, spec))
      );
      const { token } = body;
      const instance = withoutToken(body);
      // The same instance, or the answer is not the one asked for.
      if (String(instance.id) !== id || typeof token !== 'string' || token === '') throw new CloudElementsError('bad-response', 200);
      return { instance, token };
    },
  };
}
