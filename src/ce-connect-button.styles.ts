import { unsafeCSS } from 'lit';

/** A neutral, accessible button, themable through `--ce-connect-*` properties and `::part()`. */
// unsafeCSS of a constant (no interpolation, nothing from outside): it skips `css`'s run-time checks, which
// cost bytes in the bundle and guard nothing here.
// The host stacks its parts in a column that stretches them: a flex column, with every part free to grow, lays
// out exactly like a one-column grid (rows share any extra height the page gives the host) at about half the
// layout cost in Chromium (`npm run bench -- render`). `#s` is the status line (its id: shorter in the bundle than
// [part='status'], and a page's ::part(status) rules win over either).
export const styles = unsafeCSS(`
  :host {
    display: inline-flex;
    flex-flow: column;
    gap: 0.35em;
    font-family: var(--ce-connect-font-family, inherit);
  }
  button {
    display: inline-flex;
    flex: auto;
    align-items: center;
    gap: 0.5em;
    padding: var(--ce-connect-padding, 0.6em 1.1em);
    border: var(--ce-connect-border, 0);
    border-radius: var(--ce-connect-radius, 0.5em);
    background: var(--ce-connect-background, #0b5cff);
    color: var(--ce-connect-color, #fff);
    font: inherit;
    font-weight: 600;
    cursor: pointer;
  }
  button:focus-visible {
    outline: 3px solid var(--ce-connect-focus-ring, #8fb3ff);
    outline-offset: 2px;
  }
  button:disabled {
    opacity: 0.55;
    cursor: not-allowed;
  }
  :host([status='connected']) button {
    background: var(--ce-connect-connected-background, #0f7b45);
  }
  .spin {
    width: 0.8em;
    height: 0.8em;
    border: 2px solid;
    border-right-color: transparent;
    border-radius: 50%;
    animation: spin 0.8s linear infinite;
  }
  @keyframes spin {
    to {
      rotate: 1turn;
    }
  }
  #s {
    flex: auto;
    font-size: 0.85em;
    color: var(--ce-connect-status-color, #4a5568);
  }
  :host([status='error']) #s {
    color: var(--ce-connect-error-color, #b42318);
  }
`);
