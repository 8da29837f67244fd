// The popups of the browser tests: the real ones the button opens, watched (never replaced) so a test holds their
// handles, and closed after each test so no test sees another's.
import { waitUntil } from './helpers.js';

/** Watches window.open without replacing it: the real popup still opens; the test gets its handle. */
export function watchPopups(): { popups: Window[]; restore(): void } {
  const original = window.open;
  const popups: Window[] = [];
  window.open = function (...args: Parameters<typeof window.open>) {
    const popup = original.apply(window, args);
    if (popup) popups.push(popup);
    return popup;
  };
  return { popups, restore: () => (window.open = original) };
}

/**
 * Watches popups around every test of the calling `describe` (it registers the mocha hooks): `popups` holds the
 * running test's popup handles, and each is closed after it, so no test sees another's popup.
 */
export function popupsOfEachTest(): { readonly popups: Window[] } {
  let watch: ReturnType<typeof watchPopups> | undefined;
  beforeEach(() => {
    watch = watchPopups();
  });
  afterEach(() => {
    watch!.restore();
    for (const popup of watch!.popups) popup.close();
  });
  return {
    get popups() {
      return watch!.popups;
    },
  };
}

/** Waits until the popup handle reads closed. */
export async function popupClosed(popup: Window): Promise<void> {
  await waitUntil(() => popup.closed, 'the popup should be closed');
}
