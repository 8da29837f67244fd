// No deadline that a loaded machine can exceed without anything hanging: a whole suite, file or browser start
// gets slower under load, so none of them has a bound measured in seconds. Each test keeps its own bound, only to
// turn a hang into a failure: minutes. (A node:test `describe` with `timeout` bounds the whole suite, not each
// test; that is how the demo's end-to-end suite once failed at 60 s on a loaded machine.)
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { HANG_BOUND, LAUNCH_BOUND } from './support/demo-browser.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const MINUTE = 60_000;

/** The Node suites' test files, with their text. */
function nodeTestFiles() {
  return ['test/node', 'test/e2e'].flatMap((dir) =>
    readdirSync(join(root, dir))
      .filter((name) => name.endsWith('.test.mjs'))
      .map((name) => ({ file: `${dir}/${name}`, text: readFileSync(join(root, dir, name), 'utf8') })),
  );
}

test('no node:test suite (describe) has a timeout: it would bound all of its tests together', () => {
  const suiteTimeout = /\b(?:describe|suite)\(\s*(?:'[^'\n]*'|"[^"\n]*"|`[^`\n]*`)\s*,\s*\{[^}]*\btimeout\b/;
  assert.deepEqual(
    nodeTestFiles()
      .filter(({ text }) => suiteTimeout.test(text))
      .map(({ file }) => file),
    [],
  );
});

test('every end-to-end test has its own hang bound of minutes, and browsers minutes to start', () => {
  assert.ok(HANG_BOUND.timeout >= 2 * MINUTE && LAUNCH_BOUND >= MINUTE);
  for (const { file, text } of nodeTestFiles().filter(({ file }) => file.startsWith('test/e2e/'))) {
    // it(title, options, fn): the options must be HANG_BOUND.
    const tests = [...text.matchAll(/\bit\(\s*(?:'[^'\n]*'|"[^"\n]*"|`[^`\n]*`)\s*,\s*([\w{]+)/g)];
    assert.ok(tests.length > 0, `${file} has tests`);
    for (const [call, options] of tests) assert.equal(options, 'HANG_BOUND', `${file}: ${call}`);
  }
});

test("web-test-runner: a test, a browser's start and a file's tests are bounded in minutes", () => {
  const config = readFileSync(join(root, 'web-test-runner.config.mjs'), 'utf8');
  const value = (pattern) => Number(pattern.exec(config)?.[1]?.replaceAll('_', ''));
  assert.ok(value(/testFramework: \{ config: \{ timeout: ([\d_]+) \} \}/) >= 2 * MINUTE, 'mocha: per test');
  assert.ok(value(/browserStartTimeout: ([\d_]+)/) >= 2 * MINUTE, 'browserStartTimeout');
  assert.ok(value(/testsFinishTimeout: ([\d_]+)/) >= 10 * MINUTE, 'testsFinishTimeout');
});
