#!/usr/bin/env node
/**
 * `ce-connect-sandbox`: serves the sandbox on loopback for manual testing and demos.
 * Usage: ce-connect-sandbox [--port N] [--host 127.0.0.1] [--public-url URL] [--coop] [--latency MS] [--app-name NAME]
 */
import { parseArgs } from 'node:util';
import { isLoopbackHost } from '../node/url-rules.js';
import { SANDBOX_JIRA_SITE, SANDBOX_PASSWORD, SANDBOX_USERNAME } from './catalogue.js';
import type { SandboxServer } from './listen.js';
import { DEFAULT_ORGANIZATION_SECRET, DEFAULT_USER_SECRET, MAX_LATENCY_MS } from './options.js';
import { createSandbox, SANDBOX_API_PATH } from './sandbox.js';

const USAGE =
  'Usage: ce-connect-sandbox [--port N] [--host 127.0.0.1] [--public-url URL] [--coop] [--latency MS] [--app-name NAME]';

function readArguments() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      'public-url': { type: 'string' },
      coop: { type: 'boolean', default: false },
      latency: { type: 'string', default: '0' },
      'app-name': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const port = Number(values.port);
  const latencyMs = Number(values.latency);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port must be 0–65535');
  // Above 2^31-1 ms setTimeout fires after 1 ms: a huge latency would silently be none.
  if (!Number.isFinite(latencyMs) || latencyMs < 0 || latencyMs > MAX_LATENCY_MS) {
    throw new Error(`--latency must be a number of milliseconds from 0 to ${MAX_LATENCY_MS}`);
  }
  return { ...values, port, latencyMs, publicOrigin: readPublicOrigin(values['public-url']) };
}

/** The origin of `--public-url`: checked here, so a bad value is a usage error rather than a crash on listen. */
function readPublicOrigin(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if ((url?.protocol !== 'http:' && url?.protocol !== 'https:') || !url.host) {
    throw new Error('--public-url must be an absolute http(s) URL, such as http://sandbox.test:9100');
  }
  return url.origin;
}

/** Whether the bound address is reachable from this machine only. */
function isLoopbackAddress(address: string): boolean {
  return isLoopbackHost(address) || address === '::1' || address === '::ffff:127.0.0.1';
}

function main(): void {
  let args: ReturnType<typeof readArguments>;
  try {
    args = readArguments();
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (args.help) {
    console.log(USAGE);
    return;
  }
  // --public-url: the consent URLs use it (publicUrl); the server still answers on the bound address.
  const sandbox = createSandbox({
    coop: args.coop,
    latencyMs: args.latencyMs,
    appName: args['app-name'],
    ...(args.publicOrigin !== undefined && { publicUrl: args.publicOrigin }),
  });
  let server: SandboxServer | undefined;
  sandbox.listen({ port: args.port, host: args.host }).then(
    (listening) => {
      server = listening;
      // A wildcard bind (0.0.0.0, ::) is no address to send a browser to: listen() hands out loopback.
      const reachable = new URL(listening.origin).hostname.replace(/^\[(.*)\]$/, '$1');
      const origin = args.publicOrigin ?? listening.origin;
      if (!isLoopbackAddress(listening.address)) {
        // It accepts the default secrets printed below, from anyone who can reach it.
        console.error(
          `Warning: listening on ${listening.address}, reachable from other machines, with well-known secrets.` +
            (args.publicOrigin
              ? ''
              : ` The URLs below use ${reachable}; pass --public-url to hand out an address other machines can use.`),
        );
      }
      console.log(`ce-connect sandbox listening on ${origin}`);
      console.log(`Cloud Elements base URL: ${origin}${SANDBOX_API_PATH}`);
      console.log(`User secret: ${DEFAULT_USER_SECRET}`);
      console.log(`Organization secret: ${DEFAULT_ORGANIZATION_SECRET}`);
      console.log(
        `Credentials elements accept: ${SANDBOX_USERNAME} / ${SANDBOX_PASSWORD} (Jira site ${SANDBOX_JIRA_SITE})`,
      );
    },
    (error: Error) => {
      console.error(`ce-connect-sandbox: cannot listen on ${args.host}:${args.port}: ${error.message}`);
      process.exit(1);
    },
  );
  const stop = () => {
    if (!server) process.exit(0);
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main();
