import { ConnectError } from './errors.js';

/**
 * Opens a blank, centred popup. Must run synchronously inside the click task: WebKit and Safari block a
 * popup opened after an await. No `noopener`: the callback page needs `window.opener` to answer.
 */
export function openBlankPopup(name: string): Window {
  let popup: Window | null = null;
  try {
    const left = screenX + (outerWidth - 520) / 2;
    const top = screenY + (outerHeight - 680) / 2;
    popup = open('about:blank', name, `popup,width=520,height=680,left=${left},top=${top}`);
  } catch {
    // A sandboxed iframe without allow-popups throws in some engines: that is a blocked popup too.
  }
  if (!popup || popup.closed || popup.closed === undefined) throw new ConnectError('popup-blocked');
  return popup;
}

/** True while the popup handle points at a live window (COOP severance makes it read closed early). */
export function isPopupOpen(popup?: Window): boolean {
  try {
    return !popup!.closed;
  } catch {
    return false;
  }
}

/** Closes the popup if there is a live one; never throws (a severed handle may). */
export const closePopup = (popup?: Window): void => tellPopup(popup, 'close');

/** Brings the popup to the front if there is a live one (a second click); never throws. */
export const focusPopup = (popup?: Window): void => tellPopup(popup, 'focus');

function tellPopup(popup: Window | undefined, action: 'close' | 'focus'): void {
  try {
    if (isPopupOpen(popup)) popup![action]();
  } catch {
    // Nothing left to close or focus.
  }
}
