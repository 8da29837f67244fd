// Connect links in real browsers (docs/connect-links.md), against the real handler (test/support/real-backend.mjs):
// the link page opened as a top-level page with no host session, confirmed, its button clicked — a link
// completes once for its owner (redirect mode: a click in another tab has no user gesture, so the popup is refused;
// popup mode, with real clicks, is test/e2e/connect-link-popup.test.mjs); and the page's markup and styles pass
// axe in light and dark, in every engine.
import 'axe-core/axe.min.js'; // registers window.axe
import type { NodeResult, Result } from 'axe-core';
import { expect } from '@open-wc/testing';
import { emulateMedia } from '@web/test-runner-commands';
import { engine } from './support/engines.js';
import { clickToCall, waitUntil } from './support/helpers.js';

const axe = (window as unknown as { axe: typeof import('axe-core') }).axe;

interface Link {
  id: string;
  url: string;
  expiresAt: number;
}

async function makeLink(owner: string): Promise<Link> {
  const response = await fetch(`/api/real-control/link/4a/${owner}`, { method: 'POST' });
  expect(response.status).to.equal(200);
  return (await response.json()) as Link;
}

async function linkInstances(id: string): Promise<Array<{ owner: string; id: string }>> {
  return (await (await fetch(`/api/real-control/link-instances/${id}`)).json()) as Array<{ owner: string; id: string }>;
}

const tabs: Window[] = [];
afterEach(() => {
  for (const tab of tabs.splice(0)) tab.close();
});

/** Opens `url` as a top-level page (a window of its own: the link page may not be framed). */
async function openTab(url: string): Promise<Window> {
  let tab: Window | null = null;
  await clickToCall(() => (tab = window.open(url, '_blank')));
  expect(tab, 'the tab opened').to.not.equal(null);
  tabs.push(tab!);
  return tab!;
}

/** The tab's document once it shows a page whose heading matches `heading`. */
async function showing(tab: Window, heading: RegExp): Promise<Document> {
  await waitUntil(
    () => heading.test(tab.document?.querySelector('h1')?.textContent ?? ''),
    `the tab should show ${heading}`,
    {
      timeout: 15_000,
    },
  );
  return tab.document;
}

describe('a connect link', () => {
  it('completes once for its owner with no host session (redirect mode: auto, after the popup is refused)', async () => {
    const owner = `owner-${crypto.randomUUID().slice(0, 8)}`;
    const link = await makeLink(owner);
    const tab = await openTab(link.url);
    const confirm = await showing(tab, /^Connect Salesforce to ce-connect tests$/);
    expect(confirm.body.textContent).to.contain('Test Inc. asks you to connect Salesforce to ce-connect tests.');
    expect(confirm.body.textContent).to.contain(owner);
    expect(confirm.querySelector('ce-connect-button'), 'no button before the confirm step').to.equal(null);
    confirm.querySelector<HTMLButtonElement>('form button')!.click();

    // The button page: its URL no longer holds the token.
    await waitUntil(
      () => tab.location.pathname === '/api/real/4a/link' && tab.customElements?.get('ce-connect-button'),
      'the button page',
      {
        timeout: 15_000,
      },
    );
    const page = tab.document;
    const button = page.querySelector('ce-connect-button')!;
    await waitUntil(() => button.shadowRoot?.querySelector('button'), 'the button rendered');
    // A click without a user gesture in that tab: the browser refuses the popup, and mode="auto" goes on in redirect mode.
    button.shadowRoot!.querySelector('button')!.click();
    await waitUntil(
      () => tab.document?.getElementById('ce-link-status')?.textContent === 'Connected. You can close this page.',
      'the link page should say it is connected',
      { timeout: 20_000 },
    ).catch((error: Error) => {
      const el = tab.document?.querySelector('ce-connect-button') as (Element & { status?: string }) | null;
      const state = `${tab.location?.href} | ${tab.document?.body?.textContent?.trim()} | ${el?.status} | ${el?.shadowRoot?.textContent?.trim()}`;
      throw new Error(`${error.message}: ${state}`);
    });
    expect(tab.location.hash).to.equal('', 'the result left the address bar at once');
    const created = await linkInstances(link.id);
    expect(created).to.have.length(1);
    expect(created[0]!.owner).to.equal(owner);

    // Spent: opened again, it says so and nothing else happens.
    tab.location.href = link.url;
    const spent = await showing(tab, /already been used/);
    expect(spent.querySelector('form, ce-connect-button')).to.equal(null);
    expect(await linkInstances(link.id)).to.have.length(1);
  });
});

describe('the link page passes axe', () => {
  const mounted: Element[] = [];
  afterEach(async () => {
    for (const el of mounted.splice(0)) el.remove();
    document.documentElement.style.removeProperty('background-color');
    if (engine === 'chromium') await emulateMedia({ colorScheme: 'light' });
  });

  /**
   * The page's style as a browser that prefers `scheme` applies it. Chromium emulates the preference (CDP); Firefox
   * and WebKit cannot (puppeteer's BiDi and WebDriver have no such command), so there the style says what that
   * preference selects: `color-scheme: light dark` becomes `color-scheme: {scheme}`, and a `prefers-color-scheme`
   * media query becomes `all` when it matches and `not all` when it does not.
   */
  function styleFor(css: string, scheme: 'light' | 'dark'): string {
    if (engine === 'chromium') return css;
    const forced = css
      .replace(/color-scheme:\s*light\s+dark/g, `color-scheme: ${scheme}`)
      .replace(/\(\s*prefers-color-scheme:\s*(light|dark)\s*\)/g, (_, wanted: string) =>
        wanted === scheme ? 'all' : 'not all',
      );
    expect(forced, 'the page style names its colour schemes').to.not.equal(css);
    return forced;
  }

  /** The page's own style and main content, placed into this page (the served page may not be framed). */
  async function mountPage(url: string, scheme: 'light' | 'dark', init?: RequestInit): Promise<Element> {
    const response = await fetch(url, init);
    const html = await response.text();
    const parsed = new DOMParser().parseFromString(html, 'text/html');
    expect(parsed.documentElement.lang).to.equal('en');
    expect(parsed.title).to.not.equal('');
    const style = document.createElement('style');
    style.textContent = styleFor(parsed.querySelector('style')!.textContent ?? '', scheme);
    const main = document.importNode(parsed.querySelector('main')!, true);
    document.head.append(style);
    document.body.append(main);
    mounted.push(style, main);
    // The page sets no background: the browser paints its scheme's Canvas colour. Said on the root, so that axe
    // (which takes a transparent page for white) measures the text against what is really painted.
    document.documentElement.style.backgroundColor = 'Canvas';
    await customElements.whenDefined('ce-connect-button');
    return main;
  }

  /** Whether a computed `rgb()`/`rgba()` colour is a dark one (its mean channel under half). */
  const isDark = (colour: string) => {
    const [r = NaN, g = NaN, b = NaN] = (colour.match(/[\d.]+/g) ?? []).map(Number);
    return (r + g + b) / 3 < 128;
  };

  /** Checks that the page really renders `scheme`'s palette, then runs axe: no violation, no contrast left unsure. */
  async function passesAxe(main: Element, scheme: 'light' | 'dark'): Promise<void> {
    const background = getComputedStyle(document.documentElement).backgroundColor;
    const text = getComputedStyle(main).color;
    expect(isDark(background), `the ${scheme} background (${background})`).to.equal(scheme === 'dark');
    expect(isDark(text), `the ${scheme} text (${text})`).to.equal(scheme === 'light');
    const results = await axe.run(main, { resultTypes: ['violations', 'incomplete'] });
    expect(describeNodes(results.violations)).to.equal('');
    // axe leaves a contrast it cannot measure "incomplete" (light text on a background it takes for white, say).
    expect(describeNodes(results.incomplete.filter((result) => result.id === 'color-contrast'))).to.equal('');
  }

  const describeNodes = (results: Result[]) =>
    results.map((r) => `${r.id}: ${r.nodes.map((n: NodeResult) => JSON.stringify(n.target)).join('; ')}`).join('\n');

  for (const scheme of ['light', 'dark'] as const) {
    it(`in ${scheme}: the confirm step, and the button page`, async () => {
      if (engine === 'chromium') await emulateMedia({ colorScheme: scheme });
      const link = await makeLink('axe-owner');
      await passesAxe(await mountPage(link.url, scheme), scheme);
      for (const el of mounted.splice(0)) el.remove();
      // The confirm POST sets the link cookie (a same-origin fetch keeps it), then the button page.
      await fetch(link.url, { method: 'POST', redirect: 'manual' });
      const buttonPage = await mountPage('/api/real/4a/link', scheme);
      await waitUntil(
        () => buttonPage.querySelector('ce-connect-button')?.shadowRoot?.querySelector('button'),
        'the button rendered',
      );
      await passesAxe(buttonPage, scheme);
    });
  }
});
