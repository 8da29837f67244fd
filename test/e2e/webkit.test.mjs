// The demo end to end in WebKit (the engine of Safari): WebKitGTK's MiniBrowser driven by WebKitWebDriver
// (Debian's webkit2gtk-driver) over plain WebDriver HTTP, under a private Xvfb. WebKit keeps Safari's popup
// blocker on under automation: a real WebDriver click is a user gesture, a script is not (two controls check
// that first, so a widget that awaited before window.open would fail here). Flows: a real click, then
// Allow / Deny on the sandbox's consent page (another origin), and the COOP scenario.
// Skipped when WebKitWebDriver, MiniBrowser or Xvfb is not installed.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startDemo } from '../../demo/server.mjs';
import { missingWebKit, startWebKitDriver, WEBKIT_INSTALL_HINT } from '../support/webkit-driver.mjs';
import { HANG_BOUND, resetDemo } from '../node/support/demo-browser.mjs';
import { webDriver } from './webdriver.mjs';

const missing = missingWebKit();
const skip = missing.length ? `${missing.join(', ')} not found (${WEBKIT_INSTALL_HINT})` : false;

describe('the demo, end to end in WebKit', { skip }, () => {
  let demo;
  let driver;
  let session;
  let main;

  before(async () => {
    demo = await startDemo({ port: 0, env: {}, log: () => undefined });
    driver = await startWebKitDriver();
    const client = webDriver(`http://127.0.0.1:${driver.port}`);
    session = await client.newSession();
    main = await session.window();
  }, HANG_BOUND);
  after(async () => {
    await session?.delete().catch(() => undefined);
    await driver?.stop();
    await demo?.close();
  }, HANG_BOUND);
  beforeEach(async () => {
    await resetDemo(demo);
    // Leftover popups of an earlier test, then a fresh demo page that records every event of the buttons.
    for (const handle of await session.windows()) {
      if (handle === main) continue;
      await session.switchTo(handle);
      await session.closeWindow().catch(() => undefined);
    }
    await session.switchTo(main);
    await session.navigate(demo.url);
    await session.until(
      () =>
        session.execute(
          'return !!document.querySelector(\'ce-connect-button[element="sfdc"]\')?.shadowRoot?.querySelector("button")',
        ),
      'the Salesforce button',
    );
    await session.execute(`window.__events = [];
      for (const type of ['connect-start', 'connected', 'connect-error', 'connect-cancel']) {
        document.addEventListener(type, (event) => window.__events.push({ type, detail: event.detail }));
      }`);
  }, HANG_BOUND);

  const events = () => session.execute('return window.__events');
  /** Every event so far, once a `connected` or `connect-error` has come (a popup-closed cancel is no end). */
  const outcome = (timeout) =>
    session.until(
      async () => {
        const seen = await events();
        return seen.some((e) => e.type === 'connected' || e.type === 'connect-error') && seen;
      },
      'connected or connect-error',
      timeout,
    );

  /** Really clicks the Salesforce button, switches to the popup, waits for the consent page, clicks `choice`. */
  async function connectSalesforce(choice) {
    await session.click(await session.findInShadow('ce-connect-button[element="sfdc"]', 'button'));
    const popup = await session
      .until(async () => (await session.windows()).find((handle) => handle !== main), 'the popup (blocked?)', 5000)
      .catch(async (error) => assert.fail(`${error.message}; events: ${JSON.stringify(await events())}`));
    await session.switchTo(popup);
    const button = await session.until(
      () => session.find('xpath', `//button[normalize-space()="${choice}"]`).catch(() => undefined),
      `the ${choice} button`,
    );
    assert.equal(
      new URL(await session.url()).origin,
      new URL(demo.sandboxUrl).origin,
      'the consent page is on the sandbox origin',
    );
    assert.match(await session.execute('return document.body.innerText'), /Salesforce/);
    const severed = await session.execute('return window.opener === null');
    await session.click(button);
    await session.switchTo(main);
    return { severed };
  }

  it('the real popup blocker is on: window.open from a script (no gesture) returns null', HANG_BOUND, async () => {
    assert.equal(
      await session.execute('const w = window.open("about:blank", "_blank"); w?.close(); return w === null;'),
      true,
    );
  });

  it(
    'control: a real click whose handler awaits a fetch before window.open is blocked, a synchronous one is not',
    HANG_BOUND,
    async () => {
      // What makes the real-click tests below meaningful: a widget that awaited before opening would fail them.
      await session.execute(`for (const mode of ['await', 'sync']) {
      const button = document.createElement('button');
      button.id = 'control-' + mode;
      button.textContent = mode;
      button.addEventListener('click', async () => {
        if (mode === 'await') await fetch('/demo-api/config');
        const popup = window.open('about:blank', '_blank', 'popup');
        window['__' + mode] = popup === null ? 'blocked' : 'opened';
        popup?.close();
      });
      document.body.prepend(button);
    }`);
      for (const mode of ['await', 'sync']) await session.click(await session.find('css selector', `#control-${mode}`));
      const results = await session.until(
        () => session.execute('return window.__await && window.__sync && [window.__await, window.__sync]'),
        'the control clicks',
      );
      assert.deepEqual(results, ['blocked', 'opened']);
    },
  );

  it(
    'a click without a user gesture meets the blocker and ends in popup-blocked, and no popup is left',
    HANG_BOUND,
    async () => {
      await session.execute(
        'document.querySelector(\'ce-connect-button[element="sfdc"]\').shadowRoot.querySelector("button").click()',
      );
      const seen = await outcome(5000);
      assert.equal(seen.at(-1).type, 'connect-error', JSON.stringify(seen));
      assert.equal(seen.at(-1).detail.code, 'popup-blocked');
      assert.deepEqual(await session.windows(), [main]);
    },
  );

  it(
    "a real click opens the popup (not blocked); Allow on the consent page: connected with the sandbox's instance id",
    HANG_BOUND,
    async () => {
      const before = demo.sandbox.instances().length;
      const { severed } = await connectSalesforce('Allow');
      assert.equal(severed, false, 'without COOP the consent page keeps its opener');
      const seen = await outcome();
      assert.deepEqual(
        seen.map((e) => e.type),
        ['connect-start', 'connected'],
        JSON.stringify(seen),
      );
      const created = demo.sandbox.instances();
      assert.equal(created.length, before + 1);
      assert.equal(seen.at(-1).detail.instanceId, String(created.at(-1).id));
      assert.equal(
        await session.execute(
          'return document.querySelector(\'ce-connect-button[element="sfdc"]\').getAttribute("status")',
        ),
        'connected',
      );
    },
  );

  it('Deny on the consent page ends in provider-denied, and nothing is created', HANG_BOUND, async () => {
    const before = demo.sandbox.instances().length;
    await connectSalesforce('Deny');
    const seen = await outcome();
    assert.deepEqual(
      seen.map((e) => e.type),
      ['connect-start', 'connect-error'],
      JSON.stringify(seen),
    );
    assert.equal(seen.at(-1).detail.code, 'provider-denied');
    assert.equal(demo.sandbox.instances().length, before);
  });

  it('the COOP scenario (the consent page severs the opener) still ends in connected', HANG_BOUND, async (t) => {
    await fetch(new URL('/demo-api/scenario', demo.url), {
      method: 'POST',
      headers: { 'X-CE-Connect': '1' },
      body: JSON.stringify({ scenario: 'coop' }),
    });
    const before = demo.sandbox.instances().length;
    const { severed } = await connectSalesforce('Allow');
    assert.equal(severed, true, 'WebKit applied COOP: the consent page has no opener');
    const seen = await outcome();
    t.diagnostic(`events: ${seen.map((e) => e.detail.reason ?? e.type).join(', ')}`);
    assert.equal(seen.at(-1).type, 'connected', JSON.stringify(seen));
    // Before it, at most a popup-closed cancel (docs/protocol.md §3.2), nothing else.
    for (const event of seen.slice(1, -1))
      assert.deepEqual(event, { type: 'connect-cancel', detail: { element: 'sfdc', reason: 'popup-closed' } });
    assert.equal(seen.at(-1).detail.instanceId, String(demo.sandbox.instances().at(-1).id));
    assert.equal(demo.sandbox.instances().length, before + 1);
  });
});
