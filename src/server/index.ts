/**
 * `ce-connect/server`: the host-backend half of the widget's OAuth flow. It holds every secret, talks to
 * Cloud Elements and hands the Element Token to the host; the browser only ever learns an instance id.
 */
export { createConnectHandler, type ConnectHandler } from './handler.js';
export {
  toNodeListener,
  type FetchStyleHandler,
  type NodeListener,
  type NodeListenerOptions,
} from '../node/node-adapter.js';
export type {
  CloudElementsInstance,
  CloudElementsOptions,
  ConnectHandlerOptions,
  ElementConfig,
  CredentialsElementConfig,
  CredentialField,
  InstanceCreatedEvent,
  InstanceDeletedEvent,
  InstanceReconnectedEvent,
  SiteAddressFunction,
  InstanceSummary,
  CallbackResult,
  ConnectionEvent,
  ElementEventSettings,
  EventChange,
  EventsOptions,
  ConnectLink,
  ConnectLinkRequest,
} from './types.js';
export { verifyEventSignature } from './event-signature.js';
export { MAX_PENDING_FLOWS } from './flow.js';
export {
  createMemoryStateStore,
  type MemoryStateStore,
  type MemoryStateStoreOptions,
  type StateStore,
} from './state-store.js';
