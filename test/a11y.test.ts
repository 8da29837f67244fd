// Accessibility of <ce-connect-button>, in real browsers: the keyboard-only flow (real key presses are the
// user gesture for the popup, with the browser's real popup blocker on), focus delegation, live regions, the
// spinner under reduced motion, and axe-core over every state on a light page and on dark pages, colour
// contrast included, inside the shadow root. Each state is reached as a user reaches it: real clicks, the
// provider stand-in and the fake backend's flags (test/support/fake-backend.mjs), gates to hold a flow still.
import 'axe-core/axe.min.js'; // registers window.axe
import type { AxeResults, NodeResult, Result, RunOptions } from 'axe-core';
import { expect, oneEvent } from '@open-wc/testing';
import { emulateMedia, sendKeys, sendMouse } from '@web/test-runner-commands';
import type { CeConnectButton } from '../src/index.js';
import { engine, skipIn } from './support/engines.js';
import { backendStats, held, mountButton, release } from './support/backend.js';
import { innerButton, nextOutcome, realClick, waitUntil } from './support/helpers.js';
import { popupClosed, popupsOfEachTest } from './support/popups.js';

const axe = (window as unknown as { axe: typeof import('axe-core') }).axe;

/**
 * Only Chromium can emulate media features here (prefers-reduced-motion, prefers-color-scheme): the
 * test-runner command is a CDP call, which neither Firefox under WebDriver BiDi nor WebKit under classic
 * WebDriver has. The tests that need it are skipped there, with this reason.
 */
const canEmulateMedia = engine === 'chromium';
const chromiumOnly = skipIn(
  ['firefox', 'webkit'],
  'emulating media features (prefers-reduced-motion, prefers-color-scheme) takes CDP, which only Chromium speaks here',
);

/** A real mouse click in the middle of `target` (a user gesture). */
async function clickOn(target: Element): Promise<void> {
  target.scrollIntoView({ block: 'center' });
  const box = target.getBoundingClientRect();
  await sendMouse({ type: 'click', position: [Math.round(box.x + box.width / 2), Math.round(box.y + box.height / 2)] });
  await sendMouse({ type: 'move', position: [0, 0] });
}

/** Focuses `el` the way a keyboard user does: Tab from a field placed before it. */
async function tabTo(el: CeConnectButton): Promise<void> {
  const before = document.createElement('input');
  before.setAttribute('aria-label', 'before');
  el.before(before);
  before.focus();
  await sendKeys({ press: 'Tab' });
  before.remove();
}

const part = (el: CeConnectButton, name: string) => el.shadowRoot!.querySelector<HTMLElement>(`[part~="${name}"]`);
/** The status line: one live region, polite for progress and assertive while it reports an error. */
const statusLine = (el: CeConnectButton) => part(el, 'status')!;

/** Mounts a button and takes it to `error` (the provider denies) with a real click. */
async function failedButton(): Promise<CeConnectButton> {
  const { el } = await mountButton('deny');
  const failed = oneEvent(el, 'connect-error');
  await realClick(el);
  await failed;
  await el.updateComplete;
  return el;
}

// Assertions compare booleans and strings, never elements: a failing chai assertion on a DOM node makes the
// runner serialise the node, which loses the browser (seen in Chromium), instead of reporting the failure.
describe('accessibility', () => {
  const watch = popupsOfEachTest();
  afterEach(async () => {
    document.documentElement.removeAttribute('style');
    if (canEmulateMedia) await emulateMedia({ colorScheme: '', reducedMotion: '' } as never);
  });

  // First in the file, so the page has seen no user gesture yet: the key press is the only one.
  describe('keyboard only', () => {
    for (const [key, name] of [
      ['Enter', 'Enter'],
      [' ', 'Space'],
    ]) {
      it(`${name} on the focused button is the user gesture: the popup opens and the flow completes`, async () => {
        const { el } = await mountButton('allow');
        el.focus();
        // WebKit does not consume an activation when a popup opens: the previous test's lasts its short while.
        await waitUntil(() => !(navigator.userActivation?.isActive ?? false), 'no gesture before the key press');
        const connected = oneEvent(el, 'connected');
        await sendKeys({ press: key });
        expect(watch.popups, 'window.open succeeded under the real popup blocker').to.have.length(1);
        expect((await connected).detail).to.include({ element: 'sfdc' });
        await popupClosed(watch.popups[0]!);
        expect(el.status).to.equal('connected');
      });
    }

    it('Tab reaches the inner button from the element before it; Enter then connects', async () => {
      const { el } = await mountButton('allow');
      await tabTo(el);
      expect(document.activeElement === el, "the page's focus is on the element").to.equal(true);
      expect(el.shadowRoot!.activeElement === innerButton(el), 'the focus is on the inner button').to.equal(true);
      const connected = oneEvent(el, 'connected');
      await sendKeys({ press: 'Enter' });
      expect(watch.popups).to.have.length(1);
      await connected;
    });

    it('el.focus() from the host lands on the inner button (delegatesFocus)', async () => {
      const { el } = await mountButton('allow', { disconnectable: '', 'instance-id': '4711' });
      el.focus();
      expect(el.shadowRoot!.activeElement === innerButton(el), 'the focus is on the inner button').to.equal(true);
      expect(document.activeElement === el, 'the page sees the element focused').to.equal(true);
    });
  });

  describe('announcements', () => {
    it('progress: the status line is a polite live region (role=status), in the page before its text arrives', async () => {
      const { el, id } = await mountButton('allow,gate-url');
      const line = statusLine(el);
      expect([line.getAttribute('role'), line.getAttribute('aria-live'), line.textContent]).to.deep.equal([
        'status',
        'polite',
        '',
      ]);
      expect(innerButton(el).getAttribute('aria-describedby'), 'the button is described by it').to.equal(line.id);
      const outcome = nextOutcome(el);
      await realClick(el);
      await held(id, 'url');
      await el.updateComplete;
      expect(statusLine(el) === line, 'the same region').to.equal(true);
      expect([line.getAttribute('aria-live'), line.textContent]).to.deep.equal(['polite', 'Waiting for Salesforce…']);
      await release(id, 'url');
      expect((await outcome).type).to.equal('connected');
      await el.updateComplete;
      expect([line.getAttribute('aria-live'), line.textContent]).to.deep.equal([
        'polite',
        'Connected. Click to reconnect.',
      ]);
    });

    it('an error: the same region turns assertive before its text changes to the message', async () => {
      const { el } = await mountButton('deny');
      const line = statusLine(el);
      const changes: string[] = [];
      const observer = new MutationObserver((records) => {
        for (const record of records)
          changes.push(
            record.type === 'attributes'
              ? `${record.attributeName}=${line.getAttribute(record.attributeName!)}`
              : 'text',
          );
      });
      observer.observe(line, {
        attributes: true,
        attributeFilter: ['aria-live'],
        childList: true,
        characterData: true,
        subtree: true,
      });
      const outcome = nextOutcome(el);
      await realClick(el);
      const event = await outcome;
      await el.updateComplete;
      observer.disconnect();
      expect(event.detail.code).to.equal('provider-denied');
      expect(statusLine(el) === line, 'the same region').to.equal(true);
      expect([line.getAttribute('aria-live'), line.textContent]).to.deep.equal(['assertive', event.detail.message]);
      expect(
        changes.indexOf('aria-live=assertive'),
        `assertive before the message: ${changes.join(', ')}`,
      ).to.be.within(0, changes.lastIndexOf('text') - 1);
    });

    it('a failed disconnect is an error too: its message is announced assertively', async () => {
      const { el } = await mountButton('allow,dfail', { disconnectable: '', 'instance-id': '4711' });
      expect(statusLine(el).textContent).to.equal('Connected. Click to reconnect.');
      const failed = oneEvent(el, 'connect-error');
      await clickOn(part(el, 'disconnect')!);
      const event = await failed;
      await el.updateComplete;
      expect(el.status, 'still connected: the instance is kept').to.equal('connected');
      expect([statusLine(el).getAttribute('aria-live'), statusLine(el).textContent]).to.deep.equal([
        'assertive',
        event.detail.message,
      ]);
    });
  });

  describe('names', () => {
    it("the icons are decorative: the button's name is its label alone (no ✓ read out)", async () => {
      const { el } = await mountButton('allow', { 'instance-id': '42' });
      const icon = part(el, 'icon')!;
      expect(icon.textContent).to.equal('✓');
      expect(icon.getAttribute('aria-hidden')).to.equal('true');
      const { el: busy } = await mountButton('gate-url');
      const id = busy.apiBase.split('/')[3];
      await realClick(busy);
      await held(id, 'url');
      expect(part(busy, 'icon')!.getAttribute('aria-hidden')).to.equal('true');
      busy.cancel();
      await release(id, 'url');
    });
  });

  describe('reduced motion', () => {
    /** A button held while connecting, with its spinner on screen. */
    async function spinning(): Promise<{ spinner: HTMLElement; finish(): Promise<void> }> {
      const { el, id } = await mountButton('allow,gate-url');
      const outcome = nextOutcome(el);
      await realClick(el);
      await held(id, 'url');
      await el.updateComplete;
      const spinner = part(el, 'icon')!;
      expect(spinner.classList.contains('spin')).to.equal(true);
      return { spinner, finish: async () => (await release(id, 'url'), void (await outcome)) };
    }

    it('the spinner turns when the user has no motion preference', async () => {
      if (canEmulateMedia) await emulateMedia({ reducedMotion: 'no-preference' });
      const { spinner, finish } = await spinning();
      expect(spinner.getAnimations().map((a) => (a as CSSAnimation).animationName)).to.deep.equal(['spin']);
      await finish();
    });

    chromiumOnly('the spinner stands still under prefers-reduced-motion: reduce', async () => {
      await emulateMedia({ reducedMotion: 'reduce' });
      expect(matchMedia('(prefers-reduced-motion: reduce)').matches).to.equal(true);
      const { spinner, finish } = await spinning();
      expect(spinner.getAnimations()).to.have.length(0);
      expect(getComputedStyle(spinner).rotate).to.equal('none');
      // The same element starts turning once the preference goes: the media query, not the markup, decides.
      await emulateMedia({ reducedMotion: 'no-preference' });
      expect(spinner.getAnimations()).to.have.length(1);
      await finish();
    });
  });

  /** The pages the button must read well on. */
  const PAGES: Record<string, { apply(): Promise<void>; emulates?: boolean }> = {
    'a light page': { apply: async () => undefined },
    'a dark page (color-scheme: dark, dark background)': {
      apply: async () => {
        document.documentElement.style.colorScheme = 'dark';
        document.documentElement.style.background = '#121212';
      },
    },
    'a page that follows the system theme, under a dark system theme': {
      emulates: true,
      apply: async () => {
        document.documentElement.style.colorScheme = 'light dark';
        document.documentElement.style.background = 'Canvas';
        await emulateMedia({ colorScheme: 'dark' });
      },
    },
  };

  /** Each state of the button, reached the honest way; `finish` ends a flow the state holds open. */
  const STATES: Record<string, () => Promise<{ el: CeConnectButton; finish?(): Promise<void> }>> = {
    idle: async () => mountButton('allow'),
    connecting: async () => {
      const { el, id } = await mountButton('allow,gate-url');
      const outcome = nextOutcome(el);
      await realClick(el);
      await held(id, 'url');
      return { el, finish: async () => (await release(id, 'url'), void (await outcome)) };
    },
    connected: async () => {
      const { el } = await mountButton('allow');
      const connected = oneEvent(el, 'connected');
      await realClick(el);
      await connected;
      return { el };
    },
    'needs-reconnect': async () => {
      const { el } = await mountButton('allow,istale', { 'instance-id': '4711' });
      await waitUntil(() => el.status === 'needs-reconnect', 'the backend says the connection stopped working');
      return { el };
    },
    'disconnectable (connected, with its Disconnect button)': async () => {
      const { el, id } = await mountButton('allow', { disconnectable: '', 'instance-id': '4711' });
      await waitUntil(async () => (await backendStats(id)).checks === 1, 'the backend was asked about the instance');
      return { el };
    },
    error: async () => {
      const { el } = await mountButton('deny');
      const failed = oneEvent(el, 'connect-error');
      await realClick(el);
      await failed;
      return { el };
    },
    disabled: async () => mountButton('allow', { disabled: '' }),
  };

  /** What each state must show: the status the element reflects, and the text that must have been contrast-checked. */
  const EXPECTED: Record<string, { status: string; checked: (el: CeConnectButton) => Element[] }> = {
    idle: { status: 'idle', checked: (el) => [innerButton(el)] },
    connecting: { status: 'connecting', checked: (el) => [innerButton(el), statusLine(el)] },
    connected: { status: 'connected', checked: (el) => [innerButton(el), statusLine(el)] },
    'needs-reconnect': { status: 'needs-reconnect', checked: (el) => [innerButton(el), statusLine(el)] },
    'disconnectable (connected, with its Disconnect button)': {
      status: 'connected',
      checked: (el) => [innerButton(el), part(el, 'disconnect')!, statusLine(el)],
    },
    error: { status: 'error', checked: (el) => [innerButton(el), statusLine(el)] },
    // A disabled control is exempt from contrast requirements (WCAG 1.4.3); axe skips it.
    disabled: { status: 'idle', checked: () => [] },
  };

  async function runAxe(el: Element): Promise<AxeResults> {
    // The host element as context: axe walks into its open shadow root. Every rule axe runs by default
    // (WCAG 2.x A/AA, colour contrast among them, and best practices); page-level rules (landmarks, title)
    // do not apply to an element's context.
    const options = { elementRef: true, resultTypes: ['violations', 'incomplete', 'passes'] } as RunOptions;
    return axe.run(el, options);
  }

  const describeNodes = (results: Result[]) =>
    results
      .map(
        (r) =>
          `${r.id}: ${r.nodes.map((n: NodeResult) => `${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`).join('; ')}`,
      )
      .join('\n');

  for (const [page, { apply, emulates }] of Object.entries(PAGES)) {
    describe(`axe-core on ${page}`, () => {
      for (const [state, reach] of Object.entries(STATES)) {
        (emulates ? chromiumOnly : it)(
          `${state}: no violations, colour contrast checked inside the shadow root`,
          async () => {
            await apply();
            const { el, finish } = await reach();
            await el.updateComplete;
            const expected = EXPECTED[state]!;
            expect(el.status).to.equal(expected.status);
            const results = await runAxe(el);
            expect(describeNodes(results.violations)).to.equal('');
            // Contrast is decided for every piece of text, not left "incomplete"; the one exception axe makes
            // is the ✓ glyph (a symbol, not text), which takes the very colour of the label axe checked.
            for (const result of results.incomplete) {
              expect(result.id, describeNodes([result])).to.equal('color-contrast');
              for (const node of result.nodes) {
                const icon = node.element as HTMLElement;
                expect(icon.getAttribute('part'), describeNodes([result])).to.equal('icon');
                expect(node.any.map((check) => (check.data as { messageKey?: string }).messageKey)).to.deep.equal([
                  'nonBmp',
                ]);
                expect(getComputedStyle(icon).color).to.equal(getComputedStyle(innerButton(el)).color);
              }
            }
            const contrastChecked =
              results.passes.find((r) => r.id === 'color-contrast')?.nodes.map((n): Element | undefined => n.element) ??
              [];
            for (const element of expected.checked(el))
              expect(contrastChecked.includes(element), `contrast checked: ${element.outerHTML.slice(0, 60)}`).to.equal(
                true,
              );
            await finish?.();
          },
        );
      }
    });
  }

  describe('themes', () => {
    it('the check can fail: a grey status line on the dark page is a contrast violation axe finds inside the shadow root', async () => {
      await PAGES['a dark page (color-scheme: dark, dark background)']!.apply();
      const { el } = await mountButton('allow', { 'instance-id': '4711' });
      el.style.setProperty('--ce-connect-status-color', '#4a5568');
      const results = await runAxe(el);
      expect(results.violations.map((r) => r.id)).to.deep.equal(['color-contrast']);
      expect(results.violations[0]!.nodes.map((n) => n.element === statusLine(el))).to.deep.equal([true]);
    });

    it("defaults follow the page: the status line in the page's text colour, the error colour by color-scheme", async () => {
      const { el: connected } = await mountButton('allow', { 'instance-id': '4711' });
      const failed = await failedButton();
      expect(getComputedStyle(statusLine(connected)).color).to.equal(getComputedStyle(document.body).color);
      expect(getComputedStyle(statusLine(failed)).color).to.equal('rgb(180, 35, 24)');
      await PAGES['a dark page (color-scheme: dark, dark background)']!.apply();
      expect(getComputedStyle(document.body).color, "the page's own text turned light").to.not.equal('rgb(0, 0, 0)');
      expect(getComputedStyle(statusLine(connected)).color).to.equal(getComputedStyle(document.body).color);
      expect(getComputedStyle(statusLine(failed)).color).to.equal('rgb(255, 138, 128)');
    });

    chromiumOnly('a light-only page stays light under a dark system theme', async () => {
      await emulateMedia({ colorScheme: 'dark' });
      expect(matchMedia('(prefers-color-scheme: dark)').matches).to.equal(true);
      const el = await failedButton();
      expect(getComputedStyle(statusLine(el)).color).to.equal('rgb(180, 35, 24)');
      expect(describeNodes((await runAxe(el)).violations)).to.equal('');
    });

    it('still brandable on a dark page through --ce-connect-* properties and ::part()', async () => {
      await PAGES['a dark page (color-scheme: dark, dark background)']!.apply();
      const style = document.createElement('style');
      style.textContent = '.branded::part(status) { font-style: italic }';
      document.head.append(style);
      const { el } = await mountButton('deny', { class: 'branded' });
      el.style.setProperty('--ce-connect-error-color', 'rgb(255, 200, 0)');
      el.style.setProperty('--ce-connect-status-color', 'rgb(200, 200, 255)');
      el.style.setProperty('--ce-connect-focus-ring', 'rgb(0, 255, 0)');
      expect(getComputedStyle(statusLine(el)).color).to.equal('rgb(200, 200, 255)');
      expect(getComputedStyle(statusLine(el)).fontStyle).to.equal('italic');
      const failed = oneEvent(el, 'connect-error');
      await realClick(el);
      await failed;
      await el.updateComplete;
      expect(getComputedStyle(statusLine(el)).color).to.equal('rgb(255, 200, 0)');
      await tabTo(el);
      expect(innerButton(el).matches(':focus-visible')).to.equal(true);
      expect(getComputedStyle(innerButton(el)).outlineColor).to.equal('rgb(0, 255, 0)');
      style.remove();
    });
  });
});
