import { CeConnectButton } from './ce-connect-button.js';

/** The tag name the element registers under. */
export const TAG_NAME = 'ce-connect-button';

// Guarded: a page that loads the script twice (or two bundles that both include it) must not throw.
if (typeof customElements !== 'undefined' && !customElements.get(TAG_NAME)) {
  customElements.define(TAG_NAME, CeConnectButton);
}

declare global {
  interface HTMLElementTagNameMap {
    'ce-connect-button': CeConnectButton;
  }
}
