// `npm start`: builds what the demo needs (once, or when sources changed), then serves it on loopback.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// The demo's language picker loads the translation modules beside the bundle.
const translations = ['de', 'fr', 'es', 'ja'].map((lang) => `dist/i18n/${lang}.js`);
const outputs = [
  'lib/server/index.js',
  'lib/sandbox/index.js',
  'dist/ce-connect.js',
  'dist/ce-connect-callback.js',
  ...translations,
].map((f) => join(root, f));

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

const stale =
  outputs.some((f) => !existsSync(f)) ||
  newest(join(root, 'src')) > Math.min(...outputs.map((f) => statSync(f).mtimeMs));
if (stale) {
  console.log('Building ce-connect (first run or sources changed)…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // Windows runs npm.cmd only through a shell (Node ≥ 20.12 refuses .cmd files otherwise).
  const result = spawnSync(npm, ['run', '--silent', 'build'], {
    cwd: root,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (result.status !== 0) {
    if (result.error) console.error(result.error.message);
    process.exit(result.status ?? 1);
  }
}

const { startDemo } = await import('./server.mjs');
const port = Number(process.env.PORT ?? 8000);
try {
  const demo = await startDemo({ port });
  console.log(
    `\nce-connect demo running on ${demo.sandboxUrl ? 'the offline sandbox (no account, no network)' : 'Cloud Elements'}:\n\n  ${demo.url}\n`,
  );
  if (demo.sandboxUrl) console.log(`Sandbox Cloud Elements API: ${demo.sandboxUrl}`);
  console.log('Press Ctrl+C to stop.');
  const stop = () => demo.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  console.error(
    error.code === 'EADDRINUSE' ? `Port ${port} is in use: run "PORT=8080 npm start" to pick another.` : error.message,
  );
  process.exit(1);
}
