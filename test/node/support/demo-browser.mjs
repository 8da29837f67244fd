// Helpers for the end-to-end tests of the demo (test/e2e/): a clean demo per test, and the buttons' events as
// a page sees them.
import assert from 'node:assert/strict';
import { after, before, beforeEach } from 'node:test';
import { startDemo } from '../../../demo/server.mjs';
import { launchChromium } from '../../../tools/chromium.mjs';

/**
 * Each end-to-end test's and hook's own bound, and the only one: it just turns a hang into a failure, so it is
 * minutes. No suite or file has a deadline: a loaded 2-core machine took 65.7 s for a suite once held to 60 s.
 */
export const HANG_BOUND = { timeout: 180_000 };

export { LAUNCH_BOUND } from '../../../tools/chromium.mjs';

/**
 * For a `describe` of the demo in Chromium: starts the demo (what `npm start` runs, on a port the OS picks; its log
 * lines go to `logLines`) and a Chromium before the suite and hands both to `started`, resets the demo before
 * each test (resetDemo), and stops both after the suite.
 */
export function demoInChromium(logLines, started) {
  let running = {};
  before(async () => {
    const demo = await startDemo({ port: 0, env: {}, log: (line) => logLines.push(line) });
    running = { demo, browser: await launchChromium() };
    started(running);
  }, HANG_BOUND);
  after(async () => {
    await running.browser?.close();
    await running.demo?.close();
  }, HANG_BOUND);
  beforeEach(() => resetDemo(running.demo), HANG_BOUND);
}

/**
 * Puts the running demo back to its start: the `normal` scenario, and Cloud Elements (the sandbox) forgets every
 * instance, so each test connects anew (a connected button would reconnect its instance instead).
 */
export async function resetDemo(demo) {
  const reset = await fetch(new URL('/demo-api/scenario', demo.url), {
    method: 'POST',
    headers: { 'X-CE-Connect': '1', 'Content-Type': 'application/json' },
    body: JSON.stringify({ scenario: 'normal' }),
  });
  const body = await reset.text();
  assert.equal(reset.status, 200, body);
  assert.deepEqual(JSON.parse(body), { scenario: 'normal' });
  demo.sandbox.reset();
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
