// `npm run manifest:check` (CI): fails when the committed custom-elements.json is not what
// `npm run manifest` makes from the current sources. Generates into a temporary folder, compares, cleans up.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const analyzer = dirname(createRequire(import.meta.url).resolve('@custom-elements-manifest/analyzer/package.json'));

/** The manifest the sources give now, or an Error saying why there is none. */
function generate() {
  const scratch = mkdtempSync(join(tmpdir(), 'ce-connect-manifest-'));
  try {
    // The analyzer joins --outdir to the working directory, so it is given as a relative path.
    const args = [
      join(analyzer, 'cem.js'),
      'analyze',
      '--config',
      'custom-elements-manifest.config.mjs',
      '--outdir',
      relative(root, scratch),
      '--quiet',
    ];
    const run = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
    if (run.status !== 0) return new Error(`the analyzer failed:\n${run.stdout}${run.stderr}`);
    return readFileSync(join(scratch, 'custom-elements.json'), 'utf8');
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function committed() {
  try {
    return readFileSync(join(root, 'custom-elements.json'), 'utf8');
  } catch {
    return undefined;
  }
}

const fresh = generate();
if (fresh instanceof Error) {
  console.error(`manifest:check: ${fresh.message}`);
  process.exitCode = 1;
} else if (fresh !== committed()) {
  console.error('custom-elements.json is not current: run `npm run manifest` and commit the result.');
  process.exitCode = 1;
} else {
  console.log('custom-elements.json is current.');
}
