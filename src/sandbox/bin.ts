#!/usr/bin/env node
/**
 * `ce-connect-sandbox`: serves the sandbox on loopback for manual testing and demos.
 * Usage: ce-connect-sandbox [--port N] [--host 127.0.0.1] [--public-url URL] [--coop] [--latency MS] [--app-name NAME]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { toNodeListener } from '../server/node-adapter.js';
import { DEFAULT_ORGANIZATION_SECRET, DEFAULT_USER_SECRET } from './options.js';
import { createSandbox, SANDBOX_API_PATH } from './sandbox.js';

const USAGE = 'Usage: ce-connect-sandbox [--port N] [--host 127.0.0.1] [--public-url URL] [--coop] [--latency MS] [--app-name NAME]';

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
  if (!Number.isFinite(latencyMs) || latencyMs < 0) throw new Error('--latency must be a number of milliseconds ≥ 0');
  return { ...values, port, latencyMs };
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
  const sandbox = createSandbox({ coop: args.coop, latencyMs: args.latencyMs, appName: args['app-name'] });
  const server = createServer();
  server.listen(args.port, args.host, () => {
    const { address, port } = server.address() as AddressInfo;
    // A wildcard bind (0.0.0.0, ::) is no address to send a browser to: use loopback, or --public-url.
    const reachable = address === '0.0.0.0' || address === '::' ? '127.0.0.1' : address;
    const origin = args['public-url']
      ? new URL(args['public-url']).origin
      : `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
    // The listener's origin is the bound address, never a Host header.
    server.on('request', toNodeListener(sandbox.handler, { origin }));
    console.log(`ce-connect sandbox listening on ${origin}`);
    console.log(`Cloud Elements base URL: ${origin}${SANDBOX_API_PATH}`);
    console.log(`User secret: ${DEFAULT_USER_SECRET}`);
    console.log(`Organization secret: ${DEFAULT_ORGANIZATION_SECRET}`);
  });
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main();
