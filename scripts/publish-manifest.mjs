// The package.json a registry user gets: `npm pack` / `npm publish` put the package.json on disk into the
// tarball after `prepack` has run, so `prepack` runs this with `--strip` (the manifest without `scripts`: they
// name scripts/, which is not shipped, and npm warns about a `prepare` script at every install) and `postpack`
// with `--restore`. The original waits in .package.json.prepack; a pack that failed in between is mended by the
// next --strip or --restore. Both keep package.json's modification time, so scripts/ensure-built.mjs does not
// rebuild because of them. A git install does not run prepack: it keeps the scripts, which build it.
import { existsSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const manifest = join(root, 'package.json');
const saved = join(root, '.package.json.prepack');

/** Puts the saved original back (with its modification time), when there is one. */
function restore() {
  if (!existsSync(saved)) return;
  const { atime, mtime } = statSync(saved);
  renameSync(saved, manifest);
  utimesSync(manifest, atime, mtime);
}

function strip() {
  restore();
  const original = readFileSync(manifest, 'utf8');
  const { atime, mtime } = statSync(manifest);
  writeFileSync(saved, original);
  utimesSync(saved, atime, mtime);
  const { scripts: _scripts, ...published } = JSON.parse(original);
  writeFileSync(manifest, `${JSON.stringify(published, null, 2)}\n`);
  utimesSync(manifest, atime, mtime);
}

const [mode] = process.argv.slice(2);
if (mode === '--strip') strip();
else if (mode === '--restore') restore();
else {
  console.error('usage: node scripts/publish-manifest.mjs --strip | --restore');
  process.exit(2);
}
