// Screenshots of the demo at desktop and phone widths, with one connection, one expired and one in progress, into .screenshots/.
// `node scripts/screenshots.mjs` (needs a build: `npm run build`).
import { mkdir } from 'node:fs/promises';
import { startDemo } from '../demo/server.mjs';
import { launchChromium } from '../tools/chromium.mjs';

const demo = await startDemo({ port: 0, env: {}, log: () => undefined });
const browser = await launchChromium();
try {
  await mkdir('.screenshots', { recursive: true });
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  await page.goto(demo.url, { waitUntil: 'networkidle0' });
  const popup = new Promise((resolve) => page.once('popup', resolve));
  await page.click('ce-connect-button[element="sfdc"] >>> button');
  const consent = await popup;
  await consent.setViewport({ width: 520, height: 680 });
  const allow = await consent.waitForSelector('::-p-xpath(//button[normalize-space()="Allow"])');
  await consent.screenshot({ path: '.screenshots/consent.png' });
  await allow.click();
  await page.waitForSelector('#instances tr');
  // A second connection, expired in the sandbox: its button turns into "Reconnect Box".
  const boxPopup = new Promise((resolve) => page.once('popup', resolve));
  await page.click('ce-connect-button[element="box"] >>> button');
  await (await (await boxPopup).waitForSelector('::-p-xpath(//button[normalize-space()="Allow"])')).click();
  await page.waitForSelector('.card[data-key="box"] .expire:not([hidden])');
  await page.click('.card[data-key="box"] .expire');
  await page.waitForSelector('ce-connect-button[element="box"][status="needs-reconnect"]');
  await page.type('#site-zendesk', 'acme');
  await page.click('ce-connect-button[element="hubspot"] >>> button');
  await new Promise((resolve) => setTimeout(resolve, 300));
  await page.screenshot({ path: '.screenshots/desktop.png', fullPage: true });
  await page.setViewport({ width: 390, height: 844, isMobile: true, deviceScaleFactor: 1 });
  await page.screenshot({ path: '.screenshots/phone.png', fullPage: true });
  console.log('Wrote .screenshots/desktop.png, .screenshots/phone.png, .screenshots/consent.png');
} finally {
  await browser.close();
  await demo.close();
}
