// Render cost in headless Chromium: 1,000 native <button>s, 1,000 bare Lit buttons (a LitElement with one style,
// one property and one slot, bundled minified with Lit like dist/ce-connect.js) and 1,000 <ce-connect-button>s
// (dist/ce-connect.js), in one page. Each round renders the three kinds in rotating order; a render is timed from
// inserting the markup to the elements' updateComplete and a forced layout, then a frame is painted and the
// container cleared. `npm run bench -- render` (needs `npm run build`). Prints medians and the ratios
// ours / bare Lit and ours / native. Environment: RUNS (rounds, default 15), COUNT (elements, default 1000).
import { readFile } from 'node:fs/promises';
import { build } from 'esbuild';
import { launchChromium } from '../test/e2e/browser.mjs';

const RUNS = Number(process.env.RUNS ?? 15);
const COUNT = Number(process.env.COUNT ?? 1000);
const WARMUP = 3;

// The baseline: about the least a Lit button can be. Same label as ours, slotted from the light DOM.
const BARE_LIT = `
import { LitElement, css, html } from 'lit';
class BareLitButton extends LitElement {
  static styles = css\`button { padding: 0.6em 1.1em; border: 0; border-radius: 0.5em; background: #0b5cff; color: #fff; font: inherit; }\`;
  static properties = { disabled: { type: Boolean } };
  constructor() { super(); this.disabled = false; }
  render() { return html\`<button part="button" type="button" ?disabled=\${this.disabled}><slot></slot></button>\`; }
}
customElements.define('bare-lit-button', BareLitButton);
`;

const bareLit = await build({
  stdin: { contents: BARE_LIT, resolveDir: new URL('..', import.meta.url).pathname, loader: 'js' },
  bundle: true, minify: true, format: 'esm', write: false, platform: 'browser', target: 'es2021',
});
let ours;
try {
  ours = await readFile(new URL('../dist/ce-connect.js', import.meta.url), 'utf8');
} catch {
  console.error('dist/ce-connect.js is missing: run "npm run build" first.');
  process.exit(1);
}

/** Runs in the page: renders one kind COUNT times, returns [ms to updateComplete, ms to layout after that]. */
async function renderOnce(kind, count) {
  const markup = {
    native: '<button type="button">Connect to Salesforce</button>',
    bare: '<bare-lit-button>Connect to Salesforce</bare-lit-button>',
    ours: '<ce-connect-button element="sfdc"></ce-connect-button>',
  }[kind].repeat(count);
  const box = document.getElementById('box');
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  globalThis.gc?.();
  await frame();
  const start = performance.now();
  box.innerHTML = markup;
  if (kind !== 'native') await Promise.all(Array.from(box.children, (element) => element.updateComplete));
  const updated = performance.now();
  void box.offsetHeight; // forced style and layout
  const laidOut = performance.now();
  await frame(); // let it paint outside the timing, then clear
  box.textContent = '';
  return [updated - start, laidOut - updated];
}

const browser = await launchChromium({ args: ['--js-flags=--expose-gc'] });
try {
  const page = await browser.newPage();
  await page.setContent('<!doctype html><meta charset="utf-8"><div id="box"></div>');
  await page.addScriptTag({ type: 'module', content: bareLit.outputFiles[0].text });
  await page.addScriptTag({ type: 'module', content: ours });
  await page.waitForFunction(() => customElements.get('bare-lit-button') && customElements.get('ce-connect-button'));
  const kinds = ['native', 'bare', 'ours'];
  const times = { native: [], bare: [], ours: [] };
  for (let round = 0; round < WARMUP + RUNS; round += 1) {
    for (let i = 0; i < kinds.length; i += 1) {
      const kind = kinds[(round + i) % kinds.length];
      const [update, layout] = await page.evaluate(renderOnce, kind, COUNT);
      if (round >= WARMUP) times[kind].push({ update, layout, total: update + layout });
    }
  }
  const median = (values) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)];
  for (const kind of kinds) {
    const [update, layout, total] = ['update', 'layout', 'total'].map((phase) => median(times[kind].map((t) => t[phase])));
    const label = { native: 'native <button>', bare: 'bare Lit button', ours: '<ce-connect-button>' }[kind].padEnd(20);
    console.log(`render ${COUNT} × ${label} median ${total.toFixed(1)} ms (to updateComplete ${update.toFixed(1)} ms, layout ${layout.toFixed(1)} ms) of ${RUNS} rounds`);
  }
  // The ratio within each round (the three renders ran back to back), then its median: steadier than a ratio of
  // medians when the machine's load changes during the run.
  const ratio = (other) => median(times.ours.map((t, round) => t.total / times[other][round].total));
  console.log(`render: ours / bare Lit ${ratio('bare').toFixed(2)}×, ours / native ${ratio('native').toFixed(2)}× (medians of the per-round ratios)`);
} finally {
  await browser.close();
}
