// `npm run bench` runs every benchmark; `npm run bench -- browser`, `-- render`, `-- server`, `-- events` or
// `-- prefetch` runs one.
//   browser: click → connected in headless Chromium, flows 4a and 4b (scripts/bench-browser.mjs)
//   render:  1,000 native buttons vs. bare Lit buttons vs. <ce-connect-button>s in one Chromium page
//            (scripts/bench-render.mjs)
//   server:  GET oauth/url + callback completions per second, one process in memory vs. two on Redis
//            (scripts/bench-server.mjs)
//   events:  verified webhook deliveries per second on one process (scripts/bench-events.mjs)
//   prefetch: click → consent request with and without `prefetch`, instant and 400 ms Cloud Elements, in
//            Chromium, Firefox and WebKit (scripts/bench-prefetch.mjs)
// All need `npm run build`.
const benches = {
  browser: './bench-browser.mjs',
  render: './bench-render.mjs',
  server: './bench-server.mjs',
  events: './bench-events.mjs',
  prefetch: './bench-prefetch.mjs',
};
const which = process.argv[2] ?? 'all';
if (which !== 'all' && !Object.hasOwn(benches, which)) {
  console.error(`Unknown benchmark "${which}": use ${Object.keys(benches).join(', ')}, or nothing for all.`);
  process.exit(2);
}
for (const [name, module] of Object.entries(benches)) {
  if (which === 'all' || which === name) await import(module);
}
