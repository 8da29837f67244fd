// Render cost in headless Chromium: 1,000 native <button>s, 1,000 bare Lit buttons (a LitElement with one style,
// one property and one slot, bundled minified with Lit like dist/ce-connect.js) and 1,000 <ce-connect-button>s
// (dist/ce-connect.js), in one page. Each round renders the three kinds in rotating order. One render, in a task of
// its own: insert the markup, await every element's updateComplete, force style and layout; then a frame is
// painted and the container cleared, outside the timing. `npm run bench -- render` (needs `npm run build`).
// Prints, per kind, the median wall time (performance.now()) and the median main-thread CPU time of that task
// (from a Chromium trace: it counts only the time the renderer really ran, so it stays steady when other
// processes load the machine), and the ratios ours / bare Lit and ours / native of both.
// Environment: RUNS (rounds, default 15), COUNT (elements per render, default 1000).
import { readFile } from 'node:fs/promises';
import { build } from 'esbuild';
import { launchChromium } from '../tools/chromium.mjs';

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
  bundle: true,
  minify: true,
  format: 'esm',
  write: false,
  platform: 'browser',
  target: 'es2021',
});
let ours;
try {
  ours = await readFile(new URL('../dist/ce-connect.js', import.meta.url), 'utf8');
} catch {
  console.error('dist/ce-connect.js is missing: run "npm run build" first.');
  process.exit(1);
}

/** Runs in the page: renders one kind COUNT times; returns [ms to updateComplete, ms of style and layout]. */
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
  await new Promise((resolve) => setTimeout(resolve)); // a fresh task: the trace gives its CPU time
  performance.mark('render');
  const start = performance.now();
  box.innerHTML = markup;
  // Lit updates in microtasks, so all of this stays in the one task.
  if (kind !== 'native') await Promise.all(Array.from(box.children, (element) => element.updateComplete));
  const updated = performance.now();
  void box.offsetHeight; // forced style and layout
  const laidOut = performance.now();
  await frame(); // let it paint outside the timing, then clear
  box.textContent = '';
  return [updated - start, laidOut - updated];
}

/** The main-thread CPU time (ms) of each task that holds a `render` mark, in order, from one trace. */
function renderTaskCpu(traceEvents) {
  const marks = traceEvents.filter((event) => event.name === 'render').sort((a, b) => a.ts - b.ts);
  const tasks = traceEvents.filter(
    (event) => event.ph === 'X' && event.name === 'ThreadControllerImpl::RunTask' && event.tdur !== undefined,
  );
  return marks.map((mark) => {
    const task = tasks.find(
      (t) => t.pid === mark.pid && t.tid === mark.tid && t.ts <= mark.ts && mark.ts <= t.ts + t.dur,
    );
    return task ? task.tdur / 1000 : NaN;
  });
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
    const order = kinds.map((_, i) => kinds[(round + i) % kinds.length]);
    await page.tracing.start({ categories: ['toplevel', 'blink.user_timing'] });
    const walls = [];
    for (const kind of order) walls.push(await page.evaluate(renderOnce, kind, COUNT));
    const cpu = renderTaskCpu(JSON.parse(Buffer.from(await page.tracing.stop()).toString('utf8')).traceEvents);
    if (cpu.length !== order.length || cpu.some(Number.isNaN))
      throw new Error('The trace lacks a render task: the CPU times cannot be read.');
    if (round < WARMUP) continue;
    order.forEach((kind, i) => {
      const [update, layout] = walls[i];
      times[kind].push({ update, layout, wall: update + layout, cpu: cpu[i] });
    });
  }
  const median = (values) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)];
  const labels = { native: 'native <button>', bare: 'bare Lit button', ours: '<ce-connect-button>' };
  for (const kind of kinds) {
    const [update, layout, wall, cpu] = ['update', 'layout', 'wall', 'cpu'].map((key) =>
      median(times[kind].map((t) => t[key])),
    );
    console.log(
      `render ${COUNT} × ${labels[kind].padEnd(20)} median ${wall.toFixed(1)} ms wall (to updateComplete ${update.toFixed(1)}, style and layout ${layout.toFixed(1)}), ${cpu.toFixed(1)} ms CPU; ${RUNS} rounds`,
    );
  }
  // The ratio within each round (the three renders ran back to back), then its median: steadier than a ratio of
  // medians when the machine's load changes during the run.
  const ratio = (other, key) => median(times.ours.map((t, round) => t[key] / times[other][round][key])).toFixed(2);
  console.log(
    `render: ours / bare Lit ${ratio('bare', 'cpu')}× CPU (${ratio('bare', 'wall')}× wall), ours / native ${ratio('native', 'cpu')}× CPU (${ratio('native', 'wall')}× wall); medians of per-round ratios`,
  );
} finally {
  await browser.close();
}
