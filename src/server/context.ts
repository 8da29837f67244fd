import { createCloudElementsClient, type CloudElementsClient } from './cloud-elements-client.js';
import { FlowCookies, FlowRegistry } from './flow.js';
import type { ResolvedOptions } from './options.js';
import { createLogger, type Logger } from './security-log.js';
import { createMemoryStateStore } from './state-store.js';
import type { StateStore } from './types.js';

/** What every route works with: the resolved options and the long-lived collaborators. */
export interface ConnectContext {
  readonly options: ResolvedOptions;
  readonly flows: FlowRegistry;
  readonly cloudElements: CloudElementsClient;
  readonly log: Logger;
  /** The store of single-use decisions (states, connect links): the host's, or this process's memory. */
  readonly store: StateStore;
}

/** Wires the collaborators for one handler. */
export function createContext(options: ResolvedOptions): ConnectContext {
  const cookies = new FlowCookies({
    secret: options.cookieSecret,
    secure: options.secureCookies,
    path: options.basePath,
  });
  const log = createLogger(options.log);
  const store = options.stateStore ?? createMemoryStateStore({ now: options.now });
  return {
    options,
    store,
    flows: new FlowRegistry(cookies, options.flowTtlMs, options.now, store, log),
    cloudElements: createCloudElementsClient(options, log),
    log,
  };
}
