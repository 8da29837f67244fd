/**
 * React 19: `<ce-connect-button element="sfdc" onconnected={(e) => e.detail.instanceId} />` in TSX.
 * React 19 sets a custom element's known properties, writes other props as attributes, and turns
 * `on` + event-name props into listeners. React 18 and older do neither: use `ce-connect/react` there.
 */
import type { CeConnectButton } from '../ce-connect-button.js';
import type { CeConnectButtonAttributes, CeConnectButtonEventProps } from './attributes.js';

declare module 'react' {
  // Empty twins of React's own interfaces. With React's types in the program they merge into them; without,
  // TypeScript ignores this block (an augmentation of an absent module, in a declaration file), and the
  // twins keep its names resolvable, so that `skipLibCheck: false` reports nothing either.
  interface HTMLAttributes<T> {}
  interface ClassAttributes<T> {}
  namespace JSX {
    interface IntrinsicElements {
      'ce-connect-button': ClassAttributes<CeConnectButton> &
        HTMLAttributes<CeConnectButton> &
        CeConnectButtonAttributes &
        CeConnectButtonEventProps;
    }
  }
}
