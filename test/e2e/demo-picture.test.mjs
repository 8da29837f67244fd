// The demo's live sequence picture and its layout, end to end in headless Chromium: a real flow lights the three
// steps in order with their times and checks; a denied flow stops at consent with its reason; a reconnect and a
// redirect-mode flow are followed; nothing secret reaches the page; axe finds nothing in light and dark at 1440
// and 390 px; the phone layout has no horizontal scroll and keeps the picture within a screen of the buttons;
// card headers stay put when a neighbour grows; Disconnect is a secondary button; Zendesk wants a bare subdomain.
import assert from 'node:assert/strict';
import { HANG_BOUND } from '../node/support/demo-browser.mjs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { startDemo, ZENDESK_SITE_REFUSAL } from '../../demo/server.mjs';
import { launchChromium } from '../../tools/chromium.mjs';
import { readPicture, settledPicture, STEP_TIME } from './demo-flow.mjs';

const AXE = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

describe("the demo's sequence picture, end to end in Chromium", () => {
  let demo;
  let browser;
  let context;
  let page;
  const logLines = [];

  before(async () => {
    demo = await startDemo({ port: 0, env: {}, log: (line) => logLines.push(line) });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await demo?.close();
  });
  beforeEach(async () => {
    const reset = await fetch(new URL('/demo-api/scenario', demo.url), {
      method: 'POST',
      headers: { 'X-CE-Connect': '1' },
      body: JSON.stringify({ scenario: 'normal' }),
    });
    assert.equal(reset.status, 200);
    demo.sandbox.reset();
    context = await browser.createBrowserContext();
    page = await context.newPage();
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
    await page.setViewport({ width: 1440, height: 900 });
    await page.goto(demo.url, { waitUntil: 'networkidle0' });
    await page.waitForSelector('#flow-steps[data-status="idle"] li.step');
  });
  afterEach(async () => {
    await context?.close();
  });

  /** Clicks the card's button (in `on`, default the test's page) and answers the consent popup with `choice`. */
  async function clickThrough(key, choice, on = page) {
    const popup = new Promise((resolve) => on.once('popup', resolve));
    await on.click(`ce-connect-button[element="${key}"] >>> button`);
    const consent = await popup;
    await (
      await consent.waitForSelector(`::-p-xpath(//button[normalize-space()="${choice}"])`, { timeout: 10000 })
    ).click();
  }

  it('Allow: the three steps light in order, each with a time, with state and owner checked', HANG_BOUND, async () => {
    // Every status each step shows, in the order the page shows them: "lit in order" is seen, not inferred.
    await page.evaluate(() => {
      window.__lit = [];
      new MutationObserver(() => {
        for (const item of document.querySelectorAll('#flow-steps li.step[data-status="done"]')) {
          if (!window.__lit.includes(item.dataset.step)) window.__lit.push(item.dataset.step);
        }
      }).observe(document.getElementById('flow-steps'), { childList: true, subtree: true, attributes: true });
    });
    await clickThrough('sfdc', 'Allow');
    const picture = await settledPicture(page);
    assert.equal(picture.status, 'done', JSON.stringify(picture));
    assert.deepEqual(
      picture.steps.map(({ id, status, lit }) => [id, status, lit]),
      [
        ['url', 'done', 1],
        ['consent', 'done', 2],
        ['instances', 'done', 3],
      ],
    );
    assert.deepEqual(await page.evaluate(() => window.__lit), ['url', 'consent', 'instances']);
    for (const step of picture.steps) assert.match(step.time, STEP_TIME, step.id);
    assert.deepEqual(
      picture.steps.map((step) => step.title),
      ['oauth/url', 'consent and callback', 'POST /instances'],
    );
    assert.match(picture.steps[1].checks, /^state [\w-]{6}… ✓ · owner alice ✓$/);
    const [instance] = demo.sandbox.instances();
    assert.equal(picture.steps[2].checks, `instance ${instance.id}`);
    assert.ok(
      picture.steps.every((step) => step.focusable),
      'each step is reachable with the keyboard',
    );

    // What never crosses to the page: the Element Token, the API secret, the code, the whole state.
    const flow = await page.evaluate(async () => (await (await fetch('/demo-api/flow')).json()).flow);
    const seen = JSON.stringify(flow) + (await page.evaluate(() => document.documentElement.outerHTML));
    assert.ok(!seen.includes(instance.token), 'no Element Token');
    assert.doesNotMatch(seen, /demo-sfdc-secret/, 'no API secret');
    assert.doesNotMatch(seen, /code=/, 'no code');
    assert.match(flow.state, /^[\w-]{6}…$/);
    assert.equal(flow.owner, 'alice');
    assert.deepEqual(flow.steps[0].calls, ['GET /elements/sfdc/oauth/url → 200']);
    assert.ok(!logLines.join('\n').includes(instance.token));
  });

  it('Deny: the picture stops at the consent step, at the provider, with the reason', HANG_BOUND, async () => {
    await clickThrough('sfdc', 'Deny');
    const picture = await settledPicture(page);
    assert.equal(picture.status, 'failed');
    assert.deepEqual(
      picture.steps.map((step) => step.status),
      ['done', 'failed', 'skipped'],
    );
    assert.match(picture.steps[1].reason, /error=access_denied: the user did not allow access/);
    assert.match(picture.steps[1].time, STEP_TIME);
    assert.match(await page.$eval('#flow-summary', (p) => p.textContent), /^Stopped at step 2: /);
    assert.ok(await page.$('#flow-steps li[data-step="consent"] .stop'), 'a cross marks where it stopped');
  });

  it(
    "a backend error stops at step 1 with Cloud Elements' failure; a blocked popup, with the button's",
    HANG_BOUND,
    async () => {
      await page.click('input[name="scenario"][value="error"]');
      await page.waitForFunction(() => document.getElementById('scenario-note').textContent.includes('fails'));
      await page.click('ce-connect-button[element="sfdc"] >>> button');
      const failed = await settledPicture(page);
      assert.deepEqual(
        failed.steps.map((step) => step.status),
        ['failed', 'skipped', 'skipped'],
      );
      assert.match(failed.steps[0].reason, /Cloud Elements failed on oauth-url: error-status 503/);

      await page.click('input[name="scenario"][value="blocked"]');
      await page.waitForFunction(() => document.getElementById('scenario-note').textContent.includes('blocker'));
      await page.click('ce-connect-button[element="box"] >>> button');
      // The buttons prefetch (and a click starts oauth/url beside window.open): the backend may have answered step 1
      // for this flow already, so the page marks where it stopped — step 1 or the one after it — with its reason.
      await page.waitForFunction(
        () =>
          [...document.querySelectorAll('#flow-steps li.step[data-status="failed"]')].some((step) =>
            /popup-blocked/.test(step.querySelector('.step-reason')?.textContent ?? ''),
          ),
        { timeout: 10000 },
      );
      const blocked = await readPicture(page);
      assert.ok(blocked.flow !== failed.flow, 'a new flow is shown');
      assert.match(blocked.steps.find((step) => step.status === 'failed').reason, /popup-blocked/);
    },
  );

  it('a reconnect is followed as PUT /instances/{id}; a redirect-mode flow comes back lit', HANG_BOUND, async () => {
    await clickThrough('sfdc', 'Allow');
    const first = await settledPicture(page);
    await page.waitForSelector('.card[data-key="sfdc"] .expire:not([hidden])');
    await page.click('.card[data-key="sfdc"] .expire');
    await page.waitForSelector('ce-connect-button[element="sfdc"][status="needs-reconnect"]');
    await clickThrough('sfdc', 'Allow');
    const again = await settledPicture(page, first.flow);
    assert.equal(again.status, 'done');
    assert.equal(again.steps[2].title, 'PUT /instances/{id}');

    await page.click('input[name="mode"][value="redirect"]');
    await page.waitForFunction(() => document.getElementById('mode-note').textContent.includes('No popup'));
    await Promise.all([page.waitForNavigation(), page.click('ce-connect-button[element="hubspot"] >>> button')]);
    const allow = await page.waitForSelector('::-p-xpath(//button[normalize-space()="Allow"])', { timeout: 10000 });
    await Promise.all([page.waitForNavigation(), allow.click()]);
    await page.waitForSelector('ce-connect-button[element="hubspot"][status="connected"]', { timeout: 20000 });
    const back = await settledPicture(page, again.flow);
    assert.equal(back.status, 'done');
    assert.match(await page.$eval('#flow-summary', (p) => p.textContent), /hubspot · redirect/);
  });

  it('the tabs: the picture and the log, by click and by arrow keys', HANG_BOUND, async () => {
    assert.equal(await page.$eval('#panel-log', (panel) => panel.hidden), true);
    await page.focus('#tab-flow');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'tab-log');
    assert.deepEqual(
      await page.evaluate(() => [
        document.getElementById('panel-log').hidden,
        document.getElementById('panel-flow').hidden,
      ]),
      [false, true],
    );
    await page.keyboard.press('ArrowLeft');
    assert.equal(await page.$eval('#tab-flow', (tab) => tab.getAttribute('aria-selected')), 'true');
  });

  for (const [width, height] of [
    [1440, 900],
    [390, 844],
  ]) {
    for (const theme of ['light', 'dark']) {
      it(`axe finds nothing at ${width} px, ${theme}, with a flow lit`, HANG_BOUND, async () => {
        // axe is injected past the page's CSP and Trusted Types (it is the test's script, not the page's).
        const own = await browser.createBrowserContext();
        try {
          const axePage = await own.newPage();
          await axePage.setBypassCSP(true);
          await axePage.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: theme }]);
          await axePage.setViewport({ width, height });
          await axePage.goto(demo.url, { waitUntil: 'networkidle0' });
          await axePage.waitForSelector('ce-connect-button[element="sfdc"] >>> button');
          await clickThrough('sfdc', 'Allow', axePage);
          await settledPicture(axePage);
          assert.equal(
            await axePage.evaluate(() => document.documentElement.classList.contains('dark')),
            theme === 'dark',
          );
          await axePage.evaluate(AXE);
          const { violations } = await axePage.evaluate(() =>
            window.axe.run(document, { resultTypes: ['violations'] }),
          );
          assert.deepEqual(
            violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
            [],
          );
        } finally {
          await own.close();
        }
      });
    }
  }

  it('at 390 px: no horizontal scroll, and the picture is within a screen of every button', HANG_BOUND, async () => {
    await page.setViewport({ width: 390, height: 844 });
    await page.waitForSelector('#flow-steps li.step');
    const layout = await page.evaluate(() => {
      const flow = document.querySelector('.flow-panel').getBoundingClientRect();
      const buttons = [...document.querySelectorAll('.card ce-connect-button')].map((b) => b.getBoundingClientRect());
      const gallery = document.getElementById('gallery');
      // A button scrolled into view in the gallery is at most its visible height from the picture.
      return {
        overflow: document.documentElement.scrollWidth - window.innerWidth,
        galleryBottomToFlow: flow.top - gallery.getBoundingClientRect().bottom,
        galleryHeight: gallery.clientHeight,
        firstButtonToFlow: flow.top - buttons[0].top,
        screen: window.innerHeight,
        flowTop: flow.top,
        galleryTop: gallery.getBoundingClientRect().top,
      };
    });
    assert.ok(layout.overflow <= 0, `the page is ${layout.overflow}px wider than the phone`);
    assert.ok(layout.firstButtonToFlow < layout.screen, JSON.stringify(layout));
    assert.ok(layout.galleryHeight + layout.galleryBottomToFlow < layout.screen, JSON.stringify(layout));
  });

  it('a card that grows (connected, Disconnect, instance) moves no header of its row', HANG_BOUND, async () => {
    // The measure: the headers of the grown card's row (its neighbours and its own) stay where they were.
    const row = await page.evaluate(() => {
      const cards = [...document.querySelectorAll('.card')];
      const top = cards[0].getBoundingClientRect().top;
      return cards.filter((card) => card.getBoundingClientRect().top === top).map((card) => card.dataset.key);
    });
    assert.ok(row.length >= 2, `a row of cards: ${row}`);
    const heads = () =>
      page.evaluate(
        (keys) =>
          keys.map((key) =>
            Math.round(document.querySelector(`.card[data-key="${key}"] .app-name`).getBoundingClientRect().top),
          ),
        row,
      );
    const height = () => page.$eval(`.card[data-key="${row[0]}"]`, (card) => card.getBoundingClientRect().height);
    const before = await heads();
    const small = await height();
    await clickThrough(row[0], 'Allow');
    await page.waitForSelector(`.card[data-key="${row[0]}"] .card-meta:not([hidden])`);
    assert.ok((await height()) > small + 40, 'the card did grow');
    assert.deepEqual(await heads(), before, 'every header of the row where it was');
  });

  it(
    'Disconnect is a secondary button: not the "Connected" colour, outlined, in light and dark',
    HANG_BOUND,
    async () => {
      await clickThrough('sfdc', 'Allow');
      await page.waitForSelector('ce-connect-button[element="sfdc"] >>> [part="disconnect"]');
      const styles = () =>
        page.evaluate(() => {
          const host = document.querySelector('ce-connect-button[element="sfdc"]');
          const look = (node) => {
            const s = getComputedStyle(node);
            return { background: s.backgroundColor, border: s.borderTopStyle, color: s.color, cursor: s.cursor };
          };
          return {
            disconnect: look(host.shadowRoot.querySelector('[part="disconnect"]')),
            main: look(host.shadowRoot.querySelector('[part="button"]')),
          };
        });
      for (const dark of [false, true]) {
        if (dark) await page.click('#theme-dark');
        const { disconnect, main } = await styles();
        assert.notEqual(
          disconnect.background,
          main.background,
          `not the Connected colour (${dark ? 'dark' : 'light'})`,
        );
        assert.equal(disconnect.border, 'solid');
        assert.equal(disconnect.cursor, 'pointer');
        assert.notEqual(disconnect.background, 'rgba(0, 0, 0, 0)', 'a filled secondary button, not a bare box');
      }
    },
  );

  it(
    'Zendesk: the card says what to type; the bare subdomain connects, a URL is refused with what is valid',
    HANG_BOUND,
    async () => {
      assert.match(
        await page.$eval('.card[data-key="zendesk"] .site', (site) => site.textContent),
        /Your Zendesk subdomain.*e\.g\. acme for acme\.zendesk\.com/,
      );
      await page.type('#site-zendesk', 'https://acme.zendesk.com');
      const refused = page.evaluate(
        () =>
          new Promise((resolve) =>
            document.addEventListener('connect-error', (event) => resolve(event.detail), { once: true }),
          ),
      );
      await page.click('ce-connect-button[element="zendesk"] >>> button');
      const detail = await refused;
      assert.equal(detail.code, 'invalid-config');
      assert.equal(detail.message, ZENDESK_SITE_REFUSAL);

      await page.$eval('#site-zendesk', (input) => (input.value = ''));
      await page.type('#site-zendesk', 'acme');
      await clickThrough('zendesk', 'Allow');
      await page.waitForSelector('ce-connect-button[element="zendesk"][status="connected"]', { timeout: 20000 });
      const [instance] = demo.sandbox.instances();
      assert.equal(
        instance.configuration['zendesk.subdomain'],
        'acme',
        'the bare subdomain, as Cloud Elements wants it',
      );
    },
  );
});
