// Makes sure lib/ and dist/ are built from the current sources before a test suite runs: builds
// (`npm run build`) when an output is missing or when anything under src/, tsconfig*.json, rollup.config.mjs (or
// its plugin scripts/rollup-trim-lit.mjs), package.json or package-lock.json is newer than the oldest output; otherwise does nothing, so that `npm test`
// builds at most once. `--force` always builds. Exits non-zero when the build fails.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const at = (...parts) => join(root, ...parts);

/** Modification time in ms, or undefined when the path does not exist. */
function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Every file and directory under `dir` (directories count: deleting or renaming a source changes theirs). */
function walk(dir, into = []) {
  into.push(dir);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, into);
    else into.push(path);
  }
  return into;
}

function staleness() {
  const sources = walk(at('src'));
  const configs = readdirSync(root).filter(
    (name) =>
      /^tsconfig.*\.json$/.test(name) || ['rollup.config.mjs', 'package.json', 'package-lock.json'].includes(name),
  );
  const inputs = [...sources, ...configs.map((name) => at(name)), at('scripts', 'rollup-trim-lit.mjs')];

  // What the build must produce: lib/<name>.js and .d.ts for every source module (tsconfig.build.json), and
  // the two bundles (rollup.config.mjs).
  const outputs = [at('dist', 'ce-connect.js'), at('dist', 'ce-connect-callback.js')];
  for (const source of sources) {
    if (!source.endsWith('.ts') || source.endsWith('.d.ts')) continue;
    const base = join(root, 'lib', relative(at('src'), source)).slice(0, -'.ts'.length);
    outputs.push(`${base}.js`, `${base}.d.ts`);
  }

  const missing = outputs.find((path) => mtime(path) === undefined);
  if (missing) return `${relative(root, missing)} is missing`;
  let oldest = outputs[0];
  for (const path of outputs) if (mtime(path) < mtime(oldest)) oldest = path;
  let newest = inputs[0];
  for (const path of inputs) if ((mtime(path) ?? 0) > (mtime(newest) ?? 0)) newest = path;
  if (mtime(newest) >= mtime(oldest)) return `${relative(root, newest) || '.'} is newer than ${relative(root, oldest)}`;
  return undefined;
}

const reason = process.argv.includes('--force') ? 'a fresh build was asked for' : staleness();
if (reason) {
  console.log(`Building lib/ and dist/ (${reason})…`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const build = spawnSync(npm, ['run', '--silent', 'build'], {
    cwd: root,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (build.status !== 0) {
    console.error('The build failed: not running tests against stale or missing lib/ and dist/.');
    process.exit(build.status || 1);
  }
  const still = staleness();
  if (still) console.warn(`Note: sources changed during the build (${still}); the next run builds again.`);
}
