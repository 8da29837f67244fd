// The Next.js recipe (docs/nextjs.md) as a user copies it: every code block of the page that names a file
// (```ts title="app/…"```) must be, byte for byte, that file of test/fixtures/nextjs/, and the fixture must
// type-check against Next's and React's own types (the `next` dev dependency) with create-next-app's strict
// settings — tsc only: no network, no `next build`. ce-connect resolves to this repository's built lib/.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = join(root, 'test/fixtures/nextjs');
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');
/** Fixture files that are not part of the recipe: the type-check's own set-up. */
const SETUP = new Set(['tsconfig.json', 'next-env.d.ts', 'route-types.ts']);

/** The page's code blocks that name a file: { path → text }. */
function documentedFiles() {
  const files = new Map();
  const fence = /^```\w* title="([^"]+)"\n([\s\S]*?)^```$/gm;
  for (const [, path, text] of readFileSync(join(root, 'docs/nextjs.md'), 'utf8').matchAll(fence)) {
    assert.ok(!files.has(path), `docs/nextjs.md shows ${path} twice`);
    files.set(path, text);
  }
  return files;
}

/** Every file under `dir`, as paths relative to the fixture. */
function fixtureFiles(dir = fixture, into = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) fixtureFiles(join(dir, entry.name), into);
    else into.push(relative(fixture, join(dir, entry.name)));
  }
  return into;
}

test('docs/nextjs.md shows exactly the files of test/fixtures/nextjs/, as they are', () => {
  const documented = documentedFiles();
  const recipe = fixtureFiles().filter((path) => !SETUP.has(path));
  assert.deepEqual([...documented.keys()].sort(), recipe.sort());
  for (const path of recipe)
    assert.equal(documented.get(path), readFileSync(join(fixture, path), 'utf8'), `${path} differs from the page`);
});

test("the recipe type-checks against Next's types: the Route Handler's exports are what Next.js calls", () => {
  const run = spawnSync(
    process.execPath,
    [TSC, '--noEmit', '-p', join(fixture, 'tsconfig.json'), '--pretty', 'false'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  assert.equal(run.status, 0, `tsc found errors:\n${run.stdout}${run.stderr}`);
});
