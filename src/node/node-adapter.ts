import type { IncomingMessage, ServerResponse } from 'node:http';

/** A WHATWG handler as produced by `createConnectHandler` or the sandbox. */
export type FetchStyleHandler = (request: Request) => Promise<Response | undefined>;

/** A `node:http` request listener that is also Express/Connect middleware. */
export type NodeListener = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

/** Options of {@link toNodeListener}. */
export interface NodeListenerOptions {
  /**
   * The origin given to every Request URL; default `http://localhost`. It is fixed on purpose: a Host or
   * X-Forwarded-Host header must never influence a URL. Handlers that build absolute URLs (the sandbox) need the
   * real one.
   */
  origin?: string;
}

function toHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  return headers;
}

/**
 * The request body as a stream that starts reading only when the handler reads it, so a request the handler
 * passes on (`next()`) still has its whole body for the next middleware.
 */
function lazyBody(req: IncomingMessage): ReadableStream<Uint8Array> {
  let chunks: AsyncIterator<Buffer, undefined> | undefined;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        chunks ??= req[Symbol.asyncIterator]();
        const { done, value } = await chunks.next();
        if (done) controller.close();
        else controller.enqueue(new Uint8Array(value));
      },
      async cancel() {
        await chunks?.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}

/** A `.` or `..` path segment, plain or percent-encoded (`%2e`, `.%2E`…): URL parsing resolves every one of them. */
const DOT_SEGMENT = /(^|\/)(\.|%2e){1,2}(\/|$)/i;

/**
 * Whether URL parsing would turn the raw request target into another path: a dot segment is resolved and a
 * `\` becomes `/`. The host's router (Express, Connect) matches the raw target, so such a request could reach
 * the handler under its base path while middleware mounted there (a login check, a rate limiter) never ran.
 */
function isAmbiguousTarget(target: string): boolean {
  const path = target.split(/[?#]/, 1)[0]!;
  return path.includes('\\') || DOT_SEGMENT.test(path);
}

/** The raw request target: Express strips the mount path from req.url, and the handler matches the full path. */
function rawTarget(req: IncomingMessage): string {
  return (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
}

function toRequest(req: IncomingMessage, origin: string): Request {
  const path = rawTarget(req);
  // Concatenated, never resolved: new URL('//evil.example/x', origin) would change the host.
  const url = new URL(origin + (path.startsWith('/') ? path : `/${path}`));
  const method = req.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD';
  return new Request(url, {
    method,
    headers: toHeaders(req),
    ...(hasBody && { body: lazyBody(req), duplex: 'half' }),
  } as RequestInit);
}

async function send(response: Response, res: ServerResponse): Promise<void> {
  res.statusCode = response.status;
  for (const [name, value] of response.headers) if (name !== 'set-cookie') res.setHeader(name, value);
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader('Set-Cookie', cookies);
  res.end(Buffer.from(await response.arrayBuffer()));
}

function sendJson(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(JSON.stringify({ message }));
}

/**
 * Adapts a WHATWG handler to `node:http` and Express. When the handler answers `undefined`, Express's `next()` is
 * called, or, under plain `node:http`, a 404 JSON response is sent. A request target with a dot segment (in any
 * encoding) or a `\` never reaches the handler: it is passed on (`next()`), or answered 400 under plain
 * `node:http`. Mount it before body parsers, which would consume the request body first.
 */
export function toNodeListener(handler: FetchStyleHandler, options: NodeListenerOptions = {}): NodeListener {
  const origin = new URL(options.origin ?? 'http://localhost').origin;
  return (req, res, next) => {
    void (async () => {
      if (isAmbiguousTarget(rawTarget(req))) {
        // Decided on the raw target, as the host's router decided: what it did not route here is not ours.
        if (next) next();
        else sendJson(res, 400, 'Bad request');
        return;
      }
      let request: Request;
      try {
        request = toRequest(req, origin);
      } catch {
        sendJson(res, 400, 'Bad request');
        return;
      }
      const response = await handler(request);
      if (response) await send(response, res);
      else if (next) next();
      else sendJson(res, 404, 'Not found');
    })().catch((error: unknown) => {
      if (next) next(error);
      else if (!res.headersSent) sendJson(res, 500, 'Internal error');
      else res.destroy();
    });
  };
}
