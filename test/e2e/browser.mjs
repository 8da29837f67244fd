// Launches Debian's Chromium for the end-to-end tests, headless, with the real popup blocker kept on.
import puppeteer from 'puppeteer-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Each end-to-end test's own bound, and the only one: it just turns a hang into a failure, so it is minutes.
 * No suite or file has a deadline, because a loaded machine slows a whole file down without anything hanging.
 */
export const HANG_BOUND = { timeout: 180_000 };

/** How long a browser may take to start: puppeteer's default (30 s) is exceeded on a loaded machine. */
export const LAUNCH_BOUND = 120_000;

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
    timeout: LAUNCH_BOUND,
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
