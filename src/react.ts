/**
 * `ce-connect/react`: `<ConnectButton element="sfdc" onConnected={(e) => save(e.detail.instanceId)} />` for
 * React 17, 18 and 19, made with `@lit/react`: props become the element's properties (`apiBase`,
 * `instanceName`…), and `on…` props listen for its events. React itself is an optional peer dependency:
 * only this entry point needs it, and dist/ce-connect.js never includes it.
 */
import { createComponent, type EventName } from '@lit/react';
import React from 'react';
import { CeConnectButton } from './ce-connect-button.js';
import { TAG_NAME } from './define.js';
import type {
  ConnectCancelEvent,
  ConnectErrorEvent,
  ConnectRedirectEvent,
  ConnectStartEvent,
  ConnectedEvent,
  DisconnectedEvent,
} from './events.js';

/** The element's events as React props (each one also fires as the DOM event of the same name). */
const events = {
  onConnectStart: 'connect-start' as EventName<ConnectStartEvent>,
  onConnectRedirect: 'connect-redirect' as EventName<ConnectRedirectEvent>,
  onConnected: 'connected' as EventName<ConnectedEvent>,
  onConnectError: 'connect-error' as EventName<ConnectErrorEvent>,
  onConnectCancel: 'connect-cancel' as EventName<ConnectCancelEvent>,
  onDisconnected: 'disconnected' as EventName<DisconnectedEvent>,
};

/** `<ce-connect-button>` as a React component; importing this module registers the element. */
export const ConnectButton = createComponent({
  react: React,
  tagName: TAG_NAME,
  elementClass: CeConnectButton,
  events,
  displayName: 'ConnectButton',
});

export type { CeConnectButton };
