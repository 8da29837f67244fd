import { ConnectError } from './errors.js';

const WIDTH = 520;
const HEIGHT = 680;

/** Centres the popup over the current window, as providers' consent pages expect a narrow window. */
function features(): string {
  const left = Math.round(window.screenX + Math.max(0, (window.outerWidth - WIDTH) / 2));
  const top = Math.round(window.screenY + Math.max(0, (window.outerHeight - HEIGHT) / 2));
  return `popup=yes,width=${WIDTH},height=${HEIGHT},left=${left},top=${top}`;
}

/**
 * Opens a blank popup. Must run synchronously inside the click task: WebKit and Safari block a popup
 * opened after an await. No `noopener` — the callback page needs `window.opener` to answer.
 */
export function openBlankPopup(name: string): Window {
  let popup: Window | null = null;
  try {
    popup = window.open('about:blank', name, features());
  } catch {
    popup = null; // a sandboxed iframe without allow-popups throws in some engines
  }
  if (!popup || popup.closed || typeof popup.closed === 'undefined') {
    throw new ConnectError('popup-blocked');
  }
  return popup;
}

/** Closes the popup if it is still ours to close; never throws. */
export function closePopup(popup: Window | undefined): void {
  try {
    if (popup && !popup.closed) popup.close();
  } catch {
    // Closing can throw on a handle that lost its browsing context; nothing left to do.
  }
}

/** True when the popup handle still points at a live window (COOP severance makes it read closed). */
export function isPopupOpen(popup: Window): boolean {
  try {
    return !popup.closed;
  } catch {
    return false;
  }
}

/** Brings the popup to the front, for a second click while connecting. */
export function focusPopup(popup: Window | undefined): void {
  try {
    popup?.focus();
  } catch {
    // A focus on a severed handle is harmless to skip.
  }
}

/**
 * Calls `onClosed` once the popup has read as closed for `graceMs` without interruption. The grace period
 * lets a result that is already on its way arrive first (the callback page closes itself right after posting).
 */
export function watchPopupClosed(popup: Window, graceMs: number, onClosed: () => void, signal: AbortSignal): void {
  let closedSince: number | undefined;
  const poll = () => {
    if (isPopupOpen(popup)) {
      closedSince = undefined;
    } else if (closedSince === undefined) {
      closedSince = Date.now();
    } else if (Date.now() - closedSince >= graceMs) {
      stop();
      onClosed();
    }
  };
  const interval = setInterval(poll, Math.min(250, Math.max(20, graceMs / 4)));
  const stop = () => {
    clearInterval(interval);
    signal.removeEventListener('abort', stop);
  };
  signal.addEventListener('abort', stop);
}
