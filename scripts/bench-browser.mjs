// Measures the flow in headless Chromium against the demo on the embedded sandbox (consent auto-allowed):
// click → connect-start → connected, for flow 4a (server callback route) and 4b (static callback page).
// `npm run bench -- browser` (needs `npm run build`). Prints the median and the slowest of RUNS runs per flow.
import { startDemo } from '../demo/server.mjs';
import { launchChromium } from '../tools/chromium.mjs';

const RUNS = Number(process.env.RUNS ?? 15);
const browser = await launchChromium();
try {
  for (const flow of ['4a', '4b']) {
    const demo = await startDemo({ port: 0, env: {}, flow, log: () => undefined });
    demo.sandbox.configure({ autoDecision: 'allow' });
    const page = await browser.newPage();
    await page.goto(demo.url, { waitUntil: 'networkidle0' });
    const times = [];
    for (let i = 0; i < RUNS; i += 1) {
      const measured = page.evaluate(
        () =>
          new Promise((resolve) => {
            let start;
            document.addEventListener('connect-start', () => (start = performance.now()), { once: true });
            document.addEventListener('connected', () => resolve(performance.now() - start), { once: true });
          }),
      );
      await page.click('ce-connect-button[element="sfdc"] >>> button');
      times.push(await measured);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)];
    console.log(
      `flow ${flow}: click → connected, ${RUNS} runs: median ${median.toFixed(0)} ms, slowest ${times.at(-1).toFixed(0)} ms`,
    );
    await page.close();
    await demo.close();
  }
} finally {
  await browser.close();
}
