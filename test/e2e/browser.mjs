// Launches Debian's Chromium for the end-to-end tests, headless, with the real popup blocker kept on.
import puppeteer from 'puppeteer-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** `args`: more command-line switches (the render benchmark exposes gc()). */
export function launchChromium({ args = [] } = {}) {
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...args,
    ],
    ignoreDefaultArgs: ['--disable-popup-blocking'],
  });
}

/** Resolves with the detail of the first terminal event of any button on the page. */
export function nextOutcome(page) {
  return page.evaluate(
    () =>
      new Promise((resolve) => {
        for (const type of ['connected', 'connect-error', 'connect-cancel']) {
          document.addEventListener(type, (event) => resolve({ type, detail: event.detail }), { once: true });
        }
      }),
  );
}

/**
 * Resolves with every event up to the first `connected` or `connect-error`, so a `connect-cancel`
 * (popup-closed, the COOP case) that comes first is seen too.
 */
export function eventsUntilSettled(page) {
  return page.evaluate(
    () =>
      new Promise((resolve) => {
        const seen = [];
        for (const type of ['connect-cancel', 'connected', 'connect-error']) {
          document.addEventListener(type, (event) => {
            seen.push({ type, detail: event.detail });
            if (type !== 'connect-cancel') resolve(seen);
          });
        }
      }),
  );
}
