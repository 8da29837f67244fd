// `npm run screenshots` (needs a build: `npm run build`): the README's pictures of the demo, made from a real
// flow so they stay true — docs/images/demo.png (1440 px, light, after Allow, the sequence picture lit) and
// docs/images/demo-phone.png (390 px) — plus working shots of every state into .screenshots/.
import { mkdir } from 'node:fs/promises';
import { startDemo } from '../demo/server.mjs';
import { launchChromium } from '../tools/chromium.mjs';

const demo = await startDemo({ port: 0, env: {}, log: () => undefined });
const browser = await launchChromium();

/** Clicks the card's button, then Allow on the consent popup; waits until the picture shows the flow done. */
async function connect(page, key) {
  const popup = new Promise((resolve) => page.once('popup', resolve));
  await page.click(`ce-connect-button[element="${key}"] >>> button`);
  const consent = await popup;
  await (await consent.waitForSelector('::-p-xpath(//button[normalize-space()="Allow"])')).click();
  await page.waitForSelector('#flow-steps[data-status="done"]');
  await page.waitForSelector(`ce-connect-button[element="${key}"][status="connected"]`);
}

try {
  await mkdir('.screenshots', { recursive: true });
  await mkdir('docs/images', { recursive: true });
  const page = await browser.newPage();
  await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
  await page.setViewport({ width: 1440, height: 900 });
  await page.goto(demo.url, { waitUntil: 'networkidle0' });
  // A second connection first, expired in the sandbox: its button turns into "Reconnect Box".
  await connect(page, 'box');
  await page.click('.card[data-key="box"] .expire');
  await page.waitForSelector('ce-connect-button[element="box"][status="needs-reconnect"]');
  await page.type('#site-zendesk', 'acme');
  await connect(page, 'sfdc');
  await page.waitForSelector('#instances tr:nth-child(2)');
  await page.evaluate(() => document.activeElement?.blur());
  await page.screenshot({ path: 'docs/images/demo.png' });
  await page.screenshot({ path: '.screenshots/desktop-full.png', fullPage: true });

  // A mobile viewport reloads the page: it shows the newest flow again from the server.
  await page.setViewport({ width: 390, height: 844, isMobile: true, deviceScaleFactor: 1 });
  await page.waitForSelector('#flow-steps[data-status="done"]');
  // The end of the gallery and the picture below it, as a phone shows them after the click.
  await page.evaluate(() =>
    window.scrollTo(0, document.querySelector('.flow-panel').getBoundingClientRect().top + window.scrollY - 300),
  );
  await page.screenshot({ path: 'docs/images/demo-phone.png' });
  await page.screenshot({ path: '.screenshots/phone-full.png', fullPage: true });

  await page.setViewport({ width: 1440, height: 900 });
  await page.waitForSelector('#flow-steps[data-status="done"]');
  await page.click('#theme-dark');
  await page.screenshot({ path: '.screenshots/desktop-dark.png' });
  console.log('Wrote docs/images/demo.png, docs/images/demo-phone.png and .screenshots/*.png');
} finally {
  await browser.close();
  await demo.close();
}
