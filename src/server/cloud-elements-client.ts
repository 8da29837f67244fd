import { BodyTooLargeError, readBodyText } from '../node/read-body.js';
import { INSTANCE_ID_PATTERN } from '../protocol-rules.js';
import { errorResponse } from './http.js';
import type { ResolvedOptions } from './options.js';
import type { Logger } from './security-log.js';
import type { CloudElementsInstance, ElementConfig } from './types.js';

/**
 * The Cloud Elements platform API as the handler uses it (docs/protocol.md §10): the calls, the one builder of
 * the instance body that creation and re-authorisation send, and how a failed call reads to the browser.
 */

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

/**
 * What an instance is created or re-authorised with: the flow's element and its one config entry, what the
 * provider handed back (`providerData`, e.g. `{code}`), and the instance's name, tags and site address.
 */
export interface InstanceRequest {
  readonly element: string;
  readonly config: Readonly<ElementConfig>;
  readonly providerData: Readonly<Record<string, string>>;
  readonly name: string;
  /** Every tag of the instance, the owner tag among them ({@link instanceTags}). */
  readonly tags: readonly string[];
  /** The flow's site address, if any (for `siteConfigurationKey`). */
  readonly site?: string;
  /** A credentials element: what the user typed, by configuration key (no providerData, no OAuth settings). */
  readonly credentials?: Readonly<Record<string, string>>;
}

/** An instance's tags: any extra first (the flow tag of a creation), then the owner tag and the element's tags. */
export function instanceTags(config: Readonly<ElementConfig>, ownerTag: string, ...extra: string[]): string[] {
  return [...new Set([...extra, ownerTag, ...(config.tags ?? [])])];
}

/**
 * The body of `POST /instances` and of `PUT /instances/{id}`: the element's configuration, the site address under
 * `siteConfigurationKey`, and last (so nothing can replace them) key, secret and callback URL of the one config
 * entry the oauth/url call used.
 */
function instanceBody(request: InstanceRequest): Record<string, unknown> {
  const { config } = request;
  const site =
    config.siteConfigurationKey !== undefined && request.site !== undefined
      ? { [config.siteConfigurationKey]: request.site }
      : {};
  if (config.auth === 'credentials') {
    // The typed values last: option validation keeps their keys out of the element's configuration anyway.
    const configuration = { ...config.configuration, ...site, ...request.credentials };
    return { element: { key: request.element }, configuration, tags: [...request.tags], name: request.name };
  }
  return {
    element: { key: request.element },
    providerData: { ...request.providerData },
    configuration: {
      ...config.configuration,
      ...site,
      'oauth.callback.url': config.callbackUrl,
      'oauth.api.key': config.apiKey,
      'oauth.api.secret': config.apiSecret,
    },
    tags: [...request.tags],
    name: request.name,
  };
}

/** A created instance, its token kept apart from the rest. */
export interface CreatedInstance {
  readonly instance: CloudElementsInstance;
  readonly token: string;
}

/** The Cloud Elements calls of the OAuth flow. */
export interface CloudElementsClient {
  /**
   * `GET /elements/{key}/oauth/url?apiKey&apiSecret&callbackUrl&state…` (or the POST variant, by option), with
   * `site` as `siteAddress`; resolves to the provider URL.
   */
  oauthUrl(element: string, config: Readonly<ElementConfig>, state: string, site?: string): Promise<string>;
  /** OAuth 1: `GET /elements/{key}/oauth/token?apiKey&apiSecret&callbackUrl[&siteAddress]` → the request token. */
  requestToken(
    element: string,
    config: Readonly<ElementConfig>,
    site?: string,
  ): Promise<{ token: string; secret: string }>;
  /** OAuth 1: `GET /elements/{key}/oauth/url?apiKey&apiSecret&callbackUrl&requestToken[&siteAddress]` → the provider URL. */
  oauth1Url(element: string, config: Readonly<ElementConfig>, requestToken: string, site?: string): Promise<string>;
  /**
   * `POST /instances` exchanging what the provider handed back, with key, secret and callback URL from the same
   * config entry; the flow tag among the request's tags lets the instance be found again when the answer never
   * comes.
   */
  createInstance(request: InstanceRequest): Promise<CreatedInstance>;
  /** `DELETE /instances/{id}`: removes an instance the host could not store, or one its owner disconnects. */
  deleteInstance(id: number | string): Promise<void>;
  /** `GET /instances/{id}`, without the token; a missing instance is an `error-status` 404. */
  getInstance(id: string): Promise<CloudElementsInstance>;
  /**
   * `GET /instances?tags[]={tag}&hydrate=false`, page after page (`Elements-Next-Page-Token`): the instances
   * carrying `tag` (as Cloud Elements says: callers check the tags themselves), without their tokens; at most
   * {@link MAX_LISTED_INSTANCES}, a longer list cut with a log line.
   */
  listInstances(tag: string): Promise<CloudElementsInstance[]>;
  /**
   * `PUT /instances/{id}` with the full create body (the same builder as `createInstance`: key, secret and
   * callback URL from the one config entry): re-authorises the instance; the id stays.
   */
  reauthorizeInstance(id: string, request: InstanceRequest): Promise<CreatedInstance>;
}

/** The instance without its token; a bad id is a bad response. */
function withoutToken(body: unknown): CloudElementsInstance {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new CloudElementsError('bad-response', 200);
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

/** Instances asked for per page of a list: small enough that a page of unhydrated instances stays far below 1 MiB. */
const LIST_PAGE_SIZE = 100;
/** Most instances one list reads (docs/protocol.md §12.3): past it the list is cut, with a log line. */
export const MAX_LISTED_INSTANCES = 1000;

/** The next page's token, when Cloud Elements says more remain; a malformed one ends the list. */
function nextPageToken(headers: Headers): string | undefined {
  const token = headers.get('elements-next-page-token');
  return token !== null && /^[A-Za-z0-9_.~+/=-]{1,512}$/.test(token) ? token : undefined;
}

/** Creates the client; every call is aborted after `timeoutMs`. */
export function createCloudElementsClient(options: ResolvedOptions, log: Logger): CloudElementsClient {
  const { baseUrl, authorization, timeoutMs, oauthUrlRequest } = options.cloudElements;

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
    return (await call(method, path, shape, payload)).body;
  }

  /** One page of a list: its instances and the answer's headers (the next page's token). */
  async function sendForPage(path: string): Promise<{ body: unknown[]; headers: Headers }> {
    const { body, headers } = await call('GET', path, 'array');
    return { body: body as unknown[], headers };
  }

  async function call(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    shape?: 'object' | 'array',
    payload?: unknown,
  ): Promise<{ body: unknown; headers: Headers }> {
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
    return { body, headers: response.headers };
  }

  /** The app's parameters of the oauth/url and oauth/token calls. */
  const appParameters = (config: Readonly<ElementConfig>, site: string | undefined): Record<string, string> => ({
    apiKey: config.apiKey,
    apiSecret: config.apiSecret,
    callbackUrl: config.callbackUrl,
    ...(site !== undefined && { siteAddress: site }),
    // Validated at creation never to replace the handler's own parameters (options.ts).
    ...config.oauthUrlParameters,
  });

  /** A GET whose query holds the secrets: that URL is never logged, and errors never hold it. */
  const getWithSecrets = async (element: string, call: 'url' | 'token', parameters: Record<string, string>) =>
    <Record<string, unknown>>(
      await send(
        'GET',
        `/elements/${encodeURIComponent(element)}/oauth/${call}?${new URLSearchParams(parameters)}`,
        'object',
      )
    );

  return {
    async requestToken(element, config, site) {
      const body = await getWithSecrets(element, 'token', appParameters(config, site));
      const { token, secret } = body;
      if (typeof token !== 'string' || token === '' || typeof secret !== 'string' || secret === '') {
        throw new CloudElementsError('bad-response', 200);
      }
      return { token, secret };
    },

    async oauth1Url(element, config, requestToken, site) {
      const body = await getWithSecrets(element, 'url', { ...appParameters(config, site), requestToken });
      if (typeof body.oauthUrl !== 'string') throw new CloudElementsError('bad-response', 200);
      return body.oauthUrl;
    },

    async oauthUrl(element, config, state, site) {
      const parameters = {
        ...appParameters(config, site),
        state,
        ...(config.scope !== undefined && { scope: config.scope }),
      };
      const path = `/elements/${encodeURIComponent(element)}/oauth/url`;
      // The documented GET carries the secrets in its query: that URL is never logged, and errors never hold it.
      const body = <Record<string, unknown>>(
        (oauthUrlRequest === 'get'
          ? await send('GET', `${path}?${new URLSearchParams(parameters)}`, 'object')
          : await send('POST', path, 'object', parameters))
      );
      if (typeof body.oauthUrl !== 'string') throw new CloudElementsError('bad-response', 200);
      return body.oauthUrl;
    },

    async createInstance(request) {
      const body = <Record<string, unknown>>await send('POST', '/instances', 'object', instanceBody(request));
      const { token, ...instance } = body;
      if (!isInstanceId(instance.id) || typeof token !== 'string' || token === '') {
        throw new CloudElementsError('bad-response', 200);
      }
      return { instance: instance as CloudElementsInstance, token };
    },

    async deleteInstance(id) {
      await send('DELETE', `/instances/${encodeURIComponent(String(id))}`);
    },

    async getInstance(id) {
      return withoutToken(await send('GET', `/instances/${encodeURIComponent(id)}`, 'object'));
    },

    async listInstances(tag) {
      const instances: CloudElementsInstance[] = [];
      let nextPage: string | undefined;
      do {
        const query = new URLSearchParams({ 'tags[]': tag, hydrate: 'false', pageSize: String(LIST_PAGE_SIZE) });
        if (nextPage !== undefined) query.set('nextPage', nextPage);
        const { body, headers } = await sendForPage(`/instances?${query}`);
        instances.push(...body.map(withoutToken));
        nextPage = nextPageToken(headers);
        if (instances.length >= MAX_LISTED_INSTANCES) {
          if (nextPage !== undefined || instances.length > MAX_LISTED_INSTANCES)
            log('instance-list.cut', { kept: MAX_LISTED_INSTANCES });
          return instances.slice(0, MAX_LISTED_INSTANCES);
        }
      } while (nextPage !== undefined);
      return instances;
    },

    async reauthorizeInstance(id, request) {
      const body = <Record<string, unknown>>(
        await send('PUT', `/instances/${encodeURIComponent(id)}`, 'object', instanceBody(request))
      );
      const { token } = body;
      const instance = withoutToken(body);
      // The same instance, or the answer is not the one asked for.
      if (String(instance.id) !== id || typeof token !== 'string' || token === '')
        throw new CloudElementsError('bad-response', 200);
      return { instance, token };
    },
  };
}

/** A failure to report to the browser: a status and a generic message (never the Cloud Elements body). */
export interface BrowserFailure {
  readonly status: number;
  readonly message: string;
}

/** Which Cloud Elements call failed (a log field; it also picks the message for a refusal). */
export type UpstreamCall =
  | 'oauth-url'
  | 'oauth-token'
  | 'instances'
  | 'instance-get'
  | 'instance-list'
  | 'instance-delete'
  | 'instance-reauthorize';

/** Maps a failed Cloud Elements call to a generic browser-facing failure, and logs the safe facts. */
export function upstreamFailure(error: unknown, call: UpstreamCall, log: Logger): BrowserFailure {
  if (!(error instanceof CloudElementsError)) throw error;
  const { failure, status, requestId } = error;
  log('cloud-elements.failed', { call, failure, status, requestId });
  if (failure === 'timeout') return { status: 504, message: 'Cloud Elements did not answer in time' };
  if (failure === 'unreachable') return { status: 502, message: 'Cloud Elements could not be reached' };
  if (failure === 'bad-response') return { status: 502, message: 'Cloud Elements sent an unexpected response' };
  if (call === 'instances' && status !== undefined && status < 500) {
    return { status: 502, message: 'Cloud Elements refused to create the instance' };
  }
  if (call === 'instance-reauthorize' && status !== undefined && status < 500) {
    return { status: 502, message: 'Cloud Elements refused to re-authorise the instance' };
  }
  return { status: 502, message: 'Cloud Elements answered with an error' };
}

/** A failed Cloud Elements call as the browser sees it: 502 or 504 with a generic message; nothing is forgotten. */
export function upstreamResponse(error: unknown, call: UpstreamCall, log: Logger): Response {
  const failure = upstreamFailure(error, call, log);
  return errorResponse(failure.status, failure.message);
}
