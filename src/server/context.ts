import { createCloudElementsClient, type CloudElementsClient } from './cloud-elements-client.js';
import { FlowCookies, FlowRegistry } from './flow.js';
import type { ResolvedOptions } from './options.js';
import { createLogger, type Logger } from './security-log.js';

/** What every route works with: the resolved options and the long-lived collaborators. */
export interface ConnectContext {
  readonly options: ResolvedOptions;
  readonly flows: FlowRegistry;
  readonly cloudElements: CloudElementsClient;
  readonly log: Logger;
}

/** Wires the collaborators for one handler. */
export function createContext(options: ResolvedOptions): ConnectContext {
  const cookies = new FlowCookies({
    secret: options.cookieSecret,
    secure: options.secureCookies,
    path: options.basePath,
  });
  const log = createLogger(options.log);
  return {
    options,
    flows: new FlowRegistry(cookies, options.flowTtlMs, options.now, options.stateStore, log),
    cloudElements: createCloudElementsClient(options, log),
    log,
  };
}
