// `npm test`: installs the browsers if needed, builds once, runs the Node suite (server, sandbox, e2e) and the
// browser suite (web-test-runner in Chromium, Firefox ESR and WebKit, two at a time, or in those named in
// BROWSERS=chromium,firefox,webkit), then prints the failed and skipped tests by name (a browser test skipped
// with skipIn, test/support/engines.ts, with its reason), one line per suite or browser with its counts, and,
// last, the one line CI reads: `N passed, N failed, N skipped`. Extra arguments go to web-test-runner
// (`npm test -- --files test/oauth-url.test.ts`).
//
// The counts come from the runners' own reporters, never from their console output: node --test writes its
// totals through scripts/node-results-reporter.mjs to .test-results/node.json, web-test-runner its per-browser
// counts through test/support/results-reporter.mjs to .test-results/browser.json. Both files are deleted before
// the run. The command fails (exit code 1) on any failed test, and also when a suite wrote no result, did not
// finish, ran no test, or a browser that should have run did not: each of those counts as one failure in
// the last line, so that reading only that line never passes a broken run.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const resultsDir = join(root, '.test-results');
const nodeResults = join(resultsDir, 'node.json');
const browserResults = join(resultsDir, 'browser.json');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: root,
      stdio: 'inherit',
      env: process.env,
      shell: process.platform === 'win32',
    });
    child.on('error', (error) => {
      console.error(`${command}: ${error.message}`);
      resolve(1);
    });
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

function readResult(file) {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return { unreadable: error.message };
  }
}

for (const [command, args] of [
  ['node', ['scripts/ensure-browsers.mjs']],
  ['node', ['scripts/ensure-built.mjs', '--force']],
]) {
  const code = await run(command, args);
  if (code !== 0) process.exit(code);
}

rmSync(nodeResults, { force: true });
rmSync(browserResults, { force: true });
const nodeCode = await run(npm, ['run', '--silent', 'test:node']);
const browserCode = await run(npm, ['run', '--silent', 'test:browser', '--', ...process.argv.slice(2)]);

/** One entry per suite: its name, counts, and what went wrong outside the tests themselves. */
const suites = [];
const plural = (count, word) => `${count} ${word}${count === 1 ? '' : 's'}`;

// Node suite: the totals node --test reported at the end of the run.
{
  const suite = { name: 'node', passed: 0, failed: 0, skipped: 0, problems: [], failures: [], skips: [] };
  const result = readResult(nodeResults);
  if (!result)
    suite.problems.push(`wrote no result (${nodeResults} missing; node --test exited with code ${nodeCode})`);
  else if (result.unreadable) suite.problems.push(`result unreadable: ${result.unreadable}`);
  else {
    const { pass = 0, fail = 0, cancelled = 0, skipped = 0, todo = 0, tests = 0 } = result.totals;
    Object.assign(suite, {
      passed: pass,
      failed: fail + cancelled,
      skipped: skipped + todo,
      failures: result.failures,
      skips: result.skips,
    });
    if (cancelled) suite.note = `${cancelled} cancelled counted as failed`;
    if (!result.complete)
      suite.problems.push(`did not finish (node --test exited with code ${nodeCode} before its summary)`);
    else if (tests === 0 || pass + fail + cancelled === 0) suite.problems.push('ran no test');
  }
  if (nodeCode !== 0 && suite.failed === 0 && suite.problems.length === 0)
    suite.problems.push(`node --test exited with code ${nodeCode} without a failed test`);
  suites.push(suite);
}

// Browser suite: per-browser counts from the results reporter. Every browser asked for must have run every file.
{
  const wanted = (process.env.BROWSERS ?? 'chromium,firefox,webkit')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  const matches = (key, name) => (key === 'chromium' ? /chrom/i : new RegExp(key, 'i')).test(name);
  const result = readResult(browserResults);
  if (!result || result.unreadable || !result.complete) {
    const why = !result
      ? `wrote no result (${browserResults} missing; web-test-runner exited with code ${browserCode})`
      : result.unreadable
        ? `result unreadable: ${result.unreadable}`
        : `did not finish (web-test-runner exited with code ${browserCode} before the end of its test run)`;
    suites.push({
      name: `browser (${wanted.join(', ')})`,
      passed: 0,
      failed: 0,
      skipped: 0,
      problems: [why],
      failures: [],
      skips: [],
    });
  } else {
    const files = result.testFiles.length;
    for (const [name, counts] of Object.entries(result.browsers)) {
      const suite = {
        name,
        passed: counts.passed,
        failed: counts.failed,
        skipped: counts.skipped,
        problems: [],
        failures: counts.failures,
        skips: counts.skips ?? [],
      };
      if (counts.fileErrors) suite.note = `${plural(counts.fileErrors, 'test file error')} counted as failed`;
      if (counts.files < files) suite.problems.push(`ran ${counts.files} of ${plural(files, 'test file')}`);
      if (counts.passed + counts.failed === 0)
        suite.problems.push(
          counts.files === 0
            ? 'ran no test file'
            : `ran no test (${plural(counts.files, 'file')}, ${counts.skipped} skipped)`,
        );
      suites.push(suite);
    }
    for (const key of wanted) {
      if (Object.keys(result.browsers).some((name) => matches(key, name))) continue;
      const hints = {
        firefox: ' (is Firefox ESR installed? See the warning above, or leave it out of BROWSERS)',
        webkit: ' (are WebKitWebDriver and Xvfb installed? See the warning above, or leave it out of BROWSERS)',
      };
      const hint = hints[key] ?? '';
      suites.push({
        name: key,
        passed: 0,
        failed: 0,
        skipped: 0,
        problems: [`did not run${hint}`],
        failures: [],
        skips: [],
      });
    }
    if (
      browserCode !== 0 &&
      suites.every((suite) => suite.name === 'node' || (suite.failed === 0 && suite.problems.length === 0))
    ) {
      suites.push({
        name: 'web-test-runner',
        passed: 0,
        failed: 0,
        skipped: 0,
        problems: [`exited with code ${browserCode} without a failed test`],
        failures: [],
        skips: [],
      });
    }
  }
}

// Report: failures and skips by name, one line per suite, then the line CI reads.
const lines = ['', '── Test summary ──'];
for (const suite of suites) {
  for (const failure of suite.failures.slice(0, 20)) lines.push(`  ✗ [${suite.name}] ${failure}`);
  if (suite.failures.length > 20) lines.push(`  ✗ [${suite.name}] … and ${suite.failures.length - 20} more`);
  for (const skip of suite.skips) lines.push(`  - [${suite.name}] skipped: ${skip}`);
}
let passed = 0;
let failed = 0;
let skipped = 0;
for (const suite of suites) {
  const counts = `${suite.passed} passed, ${suite.failed} failed, ${suite.skipped} skipped`;
  const notes = [suite.note, ...suite.problems.map((problem) => `FAILED: ${problem}`)].filter(Boolean);
  lines.push(`${suite.name}: ${counts}${notes.length ? ` (${notes.join('; ')})` : ''}`);
  passed += suite.passed;
  failed += suite.failed + suite.problems.length;
  skipped += suite.skipped;
}
if (suites.some((suite) => suite.problems.length))
  lines.push('(each suite that failed to report, finish or run tests counts as 1 failed)');
lines.push(`${passed} passed, ${failed} failed, ${skipped} skipped`);
console.log(lines.join('\n'));
process.exit(failed > 0 || nodeCode !== 0 || browserCode !== 0 ? 1 : 0);
