/**
 * Preact (10 and 11): `<ce-connect-button element="sfdc" onconnected={(e) => e.detail.instanceId} />`.
 * Preact sets a custom element's known properties, writes the rest as attributes, and listens for the
 * event named by what follows `on` in a prop the element has no `on…` handler for.
 */
import type { CeConnectButton } from '../ce-connect-button.js';
import type { CeConnectButtonAttributes, CeConnectButtonEventProps } from './attributes.js';

declare module 'preact' {
  // An empty twin of Preact's own interface (see react.ts).
  interface HTMLAttributes<RefType extends EventTarget = EventTarget> {}
  namespace JSX {
    interface IntrinsicElements {
      'ce-connect-button': HTMLAttributes<CeConnectButton> & CeConnectButtonAttributes & CeConnectButtonEventProps;
    }
  }
}
