import { unsafeCSS } from 'lit';

/**
 * A neutral, accessible button, themable through `--ce-connect-*` properties and `::part()`. It follows the
 * page's `color-scheme`, inherited and never set here (a light-only page must stay light under a dark system
 * theme): the status line takes the page's own text colour (an unset `var()` of an inherited property
 * inherits), readable on the page's background by construction, and the error colour is picked by
 * `light-dark()` (where unsupported, the declaration drops and the error takes the page's text colour too).
 * The focus ring's default blue keeps 3:1 against white and dark backgrounds alike. Under
 * `prefers-reduced-motion` the spinner's keyframes do not exist, so it stands still (the status line says the
 * button is busy).
 */
// unsafeCSS of a constant (no interpolation, nothing from outside): it skips `css`'s run-time checks, which
// cost bytes in the bundle and guard nothing here. Written tersely (no leading zeros, no needless quotes,
// `#0000` for transparent, `var()` without a fallback where unset means inherit, `#s` for the status line,
// the id its button's aria-describedby names): the build only collapses white space, and every byte counts
// against the bundle's budget. The status line's `aria-live` is `assertive` while it shows an error.
// The host stacks its parts in a column that stretches them: a flex column, with every part free to grow, lays
// out exactly like a one-column grid (rows share any extra height the page gives the host) at about half the
// layout cost in Chromium (`npm run bench -- render`).
export const styles = unsafeCSS(`
  :host {
    display: inline-flex;
    flex-flow: column;
    gap: .35em;
    font-family: var(--ce-connect-font-family);
  }
  button {
    display: inline-flex;
    flex: auto;
    align-items: center;
    gap: .5em;
    padding: var(--ce-connect-padding, .6em 1.1em);
    border: var(--ce-connect-border, 0);
    border-radius: var(--ce-connect-radius, .5em);
    background: var(--ce-connect-background, #0b5cff);
    color: var(--ce-connect-color, #fff);
    font: inherit;
    font-weight: 600;
    cursor: pointer;
  }
  button:focus-visible {
    outline: 3px solid var(--ce-connect-focus-ring, #3b7bff);
    outline-offset: 2px;
  }
  button:disabled {
    opacity: .55;
    cursor: not-allowed;
  }
  :host([status=connected]) button {
    background: var(--ce-connect-connected-background, #0f7b45);
  }
  .spin {
    padding: .4em;
    border: 2px solid;
    border-right-color: #0000;
    border-radius: 50%;
    animation: spin .8s linear infinite;
  }
  @media not (prefers-reduced-motion) {
    @keyframes spin {
      to {
        rotate: 1turn;
      }
    }
  }
  #s {
    flex: auto;
    font-size: .85em;
    color: var(--ce-connect-status-color);
  }
  #s[aria-live=assertive] {
    color: var(--ce-connect-error-color, light-dark(#b42318, #ff8a80));
  }
`);
