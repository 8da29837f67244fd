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
import type { ConnectEventMap } from './events.js';

/** `connect-start` → `ConnectStart`: the React prop of an event is `on` + this. */
type PropName<Name extends string> = Name extends `${infer Head}-${infer Tail}`
  ? `${Capitalize<Head>}${PropName<Tail>}`
  : Capitalize<Name>;

/** The element's events as React props (each one also fires as the DOM event of the same name); checked against src/events.ts. */
const events = {
  onConnectStart: 'connect-start',
  onConnectRedirect: 'connect-redirect',
  onConnected: 'connected',
  onConnectError: 'connect-error',
  onConnectCancel: 'connect-cancel',
  onDisconnected: 'disconnected',
} satisfies { [Name in keyof ConnectEventMap as `on${PropName<Name>}`]: Name } as unknown as {
  [Name in keyof ConnectEventMap as `on${PropName<Name>}`]: EventName<ConnectEventMap[Name]>;
};

const Component = createComponent({
  react: React,
  tagName: TAG_NAME,
  elementClass: CeConnectButton,
  events,
  displayName: 'ConnectButton',
});

/** The props of {@link ConnectButton}: `element` is required; `status` is the element's output, never a prop. */
export type ConnectButtonProps = Omit<React.ComponentProps<typeof Component>, 'element' | 'status'> & {
  element: string;
};

/**
 * `<ce-connect-button>` as a React component; importing this module registers the element. `instanceId` is
 * handed to the element only when the app's value changes (docs/element.md, "A controlled instanceId"): a
 * re-render with the app's older value never undoes what the element did itself since (connected, disconnected).
 */
export const ConnectButton = React.forwardRef<CeConnectButton, ConnectButtonProps>(function ConnectButton(
  { instanceId, ...props },
  ref,
) {
  const element = React.useRef<CeConnectButton | null>(null);
  React.useLayoutEffect(() => {
    if (instanceId != null && element.current) element.current.instanceId = instanceId;
  }, [instanceId]);
  const setRef = React.useCallback(
    (node: CeConnectButton | null) => {
      element.current = node;
      if (typeof ref == 'function') ref(node);
      else if (ref) ref.current = node;
    },
    [ref],
  );
  return React.createElement(Component, { ...props, ref: setRef });
});

export type { CeConnectButton };
