// Debian's Chromium as every Chromium of this repo runs it — web-test-runner, the end-to-end tests, the
// benchmarks and the screenshots: headless, quiet, and with the real popup blocker kept on.
import puppeteer from 'puppeteer-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The switches: no sandbox (containers), no GPU, no background traffic that could slow or colour a run. */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Puppeteer's defaults include this switch; dropping it keeps Chromium's real popup blocker, as in the field. */
export const ignoreDefaultArgs = ['--disable-popup-blocking'];

/** How long a browser may take to start: puppeteer's default (30 s) is exceeded on a loaded machine. */
export const LAUNCH_BOUND = 120_000;

/** Launches headless Chromium. `args`: more command-line switches (the render benchmark exposes gc()). */
export function launchChromium({ args = [] } = {}) {
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...chromiumArgs, ...args],
    ignoreDefaultArgs,
    timeout: LAUNCH_BOUND,
  });
}
