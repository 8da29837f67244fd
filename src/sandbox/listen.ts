import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toNodeListener, type FetchStyleHandler } from '../node/node-adapter.js';

/** Options of `sandbox.listen()`. */
export interface SandboxListenOptions {
  /** TCP port; default 0 (the system picks a free one). */
  port?: number;
  /**
   * Address to bind; default `127.0.0.1`. Anything other than loopback makes the sandbox, which accepts
   * well-known secrets, reachable from other machines.
   */
  host?: string;
}

/** A sandbox served over HTTP, ready for requests. */
export interface SandboxServer {
  /**
   * Where it answers: `http://{bound address}:{port}` (`127.0.0.1` for a wildcard bind such as `0.0.0.0`). The
   * sandbox's requests carry this origin, so the consent URLs it hands out use it unless `publicUrl` is set.
   */
  readonly origin: string;
  /** The Cloud Elements base URL to configure: `origin` + `/elements/api-v2`. */
  readonly baseUrl: string;
  /** The bound address, as the system reports it (`127.0.0.1`, `::1`, `0.0.0.0`…). */
  readonly address: string;
  /** The bound port. */
  readonly port: number;
  /** Stops accepting connections and ends open ones; resolves once the server is closed. Safe to call twice. */
  close(): Promise<void>;
}

function checkOptions({ port = 0, host = '127.0.0.1' }: SandboxListenOptions): { port: number; host: string } {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError('ce-connect/sandbox: listen() port must be an integer from 0 to 65535');
  }
  if (typeof host !== 'string' || host === '')
    throw new TypeError('ce-connect/sandbox: listen() host must be a non-empty string');
  return { port, host };
}

/** The origin a browser on this machine can use for the bound address. */
function originOf({ address, port }: AddressInfo): string {
  // A wildcard bind is no address to send a browser to.
  const reachable = address === '0.0.0.0' || address === '::' ? '127.0.0.1' : address;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

/**
 * Serves `handler` on a new `node:http` server; resolves once it listens (rejects on a bind error such as
 * `EADDRINUSE`, or with a TypeError for invalid options).
 */
export async function listenSandbox(
  handler: FetchStyleHandler,
  apiPath: string,
  options: SandboxListenOptions = {},
): Promise<SandboxServer> {
  const { port, host } = checkOptions(options ?? {});
  let listener: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  // The listener needs the bound origin, known only once bound; no request is read before it is set.
  const server = createServer((req, res) => listener?.(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const origin = originOf(address);
  // The requests' origin is the bound address, never a Host header.
  listener = toNodeListener(handler, { origin });
  let closed: Promise<void> | undefined;
  return {
    origin,
    baseUrl: `${origin}${apiPath}`,
    address: address.address,
    port: address.port,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
