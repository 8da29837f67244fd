/**
 * Solid: `<ce-connect-button element="sfdc" on:connected={(e) => e.detail.instanceId} />` (or `onconnected`).
 * Solid assigns a custom element's props as properties and listens with `on:` + the exact event name.
 */
import type { CeConnectButton } from '../ce-connect-button.js';
import type { CeConnectButtonAttributes, CeConnectButtonEventMap, CeConnectButtonEventProps } from './attributes.js';

/** `on:connected`, `on:connect-error`…: Solid's listener props with the event's exact name. */
type SolidEventProps = {
  [Name in keyof CeConnectButtonEventMap as `on:${Name}`]?: (event: CeConnectButtonEventMap[Name]) => void;
};

// `solid-js/jsx-runtime` declares the JSX namespace that `solid-js` re-exports; it is the module every Solid TSX
// file brings into the program (`jsxImportSource: "solid-js"`), even one that imports nothing from `solid-js`.
declare module 'solid-js/jsx-runtime' {
  namespace JSX {
    // An empty twin of Solid's own interface (see react.ts).
    interface HTMLAttributes<T> {}
    interface IntrinsicElements {
      'ce-connect-button': HTMLAttributes<CeConnectButton> &
        CeConnectButtonAttributes &
        CeConnectButtonEventProps &
        SolidEventProps;
    }
  }
}
