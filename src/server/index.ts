/**
 * `ce-connect/server`: the host-backend half of the widget's OAuth flow. It holds every secret, talks to
 * Cloud Elements and hands the Element Token to the host; the browser only ever learns an instance id.
 */
export { createConnectHandler, type ConnectHandler } from './handler.js';
export { toNodeListener, type FetchStyleHandler, type NodeListener, type NodeListenerOptions } from '../node/node-adapter.js';
export type {
  CloudElementsInstance,
  CloudElementsOptions,
  ConnectHandlerOptions,
  ElementConfig,
  InstanceCreatedEvent,
  InstanceDeletedEvent,
  InstanceReconnectedEvent,
  SiteAddressFunction,
} from './options.js';
export type { InstanceSummary } from './instance-view.js';
export type { CallbackResult } from './callback-page.js';
export { MAX_PENDING_FLOWS } from './flow-registry.js';
export { createMemoryStateStore, type MemoryStateStore, type MemoryStateStoreOptions, type StateStore } from './state-store.js';
