/**
 * The framework-neutral shapes of `<ce-connect-button>` for JSX and template type-checkers. The per-framework
 * files beside this one add the tag to React's, Preact's, Solid's and Vue's element tables; importing
 * `ce-connect` brings all of them, and each one is inert when its framework is not installed (TypeScript
 * ignores an augmentation of a module it cannot find in a declaration file).
 *
 * Keep these lists in step with the element: test/node/jsx-types.test.mjs compares them (and the event map of
 * src/events.ts) with custom-elements.json (the attributes and the `@fires` of CeConnectButton).
 */
import type { ConnectEventMap } from '../events.js';
import type { ConnectTexts } from '../texts.js';

/** The attributes of `<ce-connect-button>`, as markup (React, Preact, Solid) writes them. */
export interface CeConnectButtonAttributes {
  /** Cloud Elements element key, e.g. `sfdc` (required). */
  element: string;
  /** Base URL of the host backend's routes; default `/api/ce`. */
  'api-base'?: string;
  /** Name for the new instance, sent to the backend. */
  'instance-name'?: string;
  /** The connected instance: set it from your records to show an existing connection. */
  'instance-id'?: string;
  /** What the user typed for elements whose sign-in needs a site (Zendesk subdomain, Shopify shop…). */
  site?: string;
  /** How to reach the provider: `popup` (default), `redirect` (the whole tab) or `auto` (popup, else redirect). */
  mode?: 'popup' | 'redirect' | 'auto';
  /** Disables the button. */
  disabled?: boolean;
  /** While connected, also render a "Disconnect" button. */
  disconnectable?: boolean;
  /** On intent (pointer resting 80 ms, focus, touch), ask the backend for the sign-in URL ahead. */
  prefetch?: boolean;
  /** Milliseconds from click to result before `connect-error` `timeout`; default 300000. */
  timeout?: number | string;
  /** The exact origin callback messages must come from; default this page's origin. */
  'callback-origin'?: string;
  /** Milliseconds the popup must read closed before `connect-cancel` `popup-closed`; default 1000. */
  'closed-grace'?: number | string;
}

/** The same settings as element properties (Vue templates and `@lit/react` use these names). */
export interface CeConnectButtonProperties {
  /** Cloud Elements element key, e.g. `sfdc` (required). */
  element: string;
  /** Base URL of the host backend's routes; default `/api/ce`. */
  apiBase?: string;
  /** Name for the new instance, sent to the backend. */
  instanceName?: string;
  /** The connected instance: set it from your records to show an existing connection. */
  instanceId?: string;
  /** What the user typed for elements whose sign-in needs a site. */
  site?: string;
  /** How to reach the provider: `popup` (default), `redirect` (the whole tab) or `auto` (popup, else redirect). */
  mode?: 'popup' | 'redirect' | 'auto';
  /** Replacement texts for this button (see `TEXTS`). */
  texts?: ConnectTexts;
  /** Disables the button. */
  disabled?: boolean;
  /** While connected, also render a "Disconnect" button. */
  disconnectable?: boolean;
  /** On intent (pointer resting 80 ms, focus, touch), ask the backend for the sign-in URL ahead. */
  prefetch?: boolean;
  /** Milliseconds from click to result before `connect-error` `timeout`; default 300000. */
  timeout?: number | string;
  /** The exact origin callback messages must come from; default this page's origin. */
  callbackOrigin?: string;
  /** Milliseconds the popup must read closed before `connect-cancel` `popup-closed`; default 1000. */
  closedGrace?: number | string;
}

/** The events `<ce-connect-button>` fires, by name (src/events.ts holds the list). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface CeConnectButtonEventMap extends ConnectEventMap {}

/**
 * Listener props named `on` + the event name, all lower case (`onconnected`, `onconnect-error`): React 19
 * and Preact add a listener for the event named by the rest of the prop's name, Solid for its lower case.
 */
export type CeConnectButtonEventProps = {
  [Name in keyof CeConnectButtonEventMap as `on${Name}`]?: (event: CeConnectButtonEventMap[Name]) => void;
};
