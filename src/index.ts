import './define.js';

export { CeConnectButton, type ConnectStatus } from './ce-connect-button.js';
export { TAG_NAME } from './define.js';
export { CONNECT_ERROR_CODES, ConnectError, type ConnectErrorCode } from './errors.js';
export {
  ConnectCancelEvent,
  ConnectErrorEvent,
  ConnectRedirectEvent,
  ConnectStartEvent,
  ConnectedEvent,
  DisconnectedEvent,
  type ConnectCancelDetail,
  type ConnectCancelReason,
  type ConnectErrorDetail,
  type ConnectRedirectDetail,
  type ConnectStartDetail,
  type ConnectedDetail,
  type DisconnectedDetail,
  type DisconnectedReason,
} from './events.js';
export type { ConnectMode } from './connect-flow.js';
export { TEXTS, defineTexts, type ConnectTextKey, type ConnectTexts } from './texts.js';
export { MESSAGE_TYPE, type CallbackMessage } from './protocol.js';
export { ELEMENT_NAMES } from './elements.js';
// JSX and template typings for React 19, Preact, Solid and Vue (types only: nothing at run time).
export type * from './jsx/index.js';
