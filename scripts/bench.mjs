// `npm run bench` runs both benchmarks; `npm run bench -- browser` or `npm run bench -- server` runs one.
//   browser: click → connected in headless Chromium, flows 4a and 4b (scripts/bench-browser.mjs)
//   server:  GET oauth/url + callback completions per second, one process in memory vs. two on Redis
//            (scripts/bench-server.mjs)
// Both need `npm run build`.
const which = process.argv[2] ?? 'all';
if (!['all', 'browser', 'server'].includes(which)) {
  console.error(`Unknown benchmark "${which}": use browser, server, or nothing for both.`);
  process.exit(2);
}
if (which !== 'server') await import('./bench-browser.mjs');
if (which !== 'browser') await import('./bench-server.mjs');
