// A web-test-runner reporter that writes, per browser, how many tests passed, failed and were skipped to
// .test-results/browser.json for scripts/test.mjs (next to the default reporter, which is for humans).
// Failures include what fails a test file without a failed test: an error while loading or running the file
// outside a test, a timeout, a browser that crashed or never finished the file. Every browser the runner
// started is listed, with zero sessions if it never ran a file. Skipped tests are listed by name with their
// reason: `skipIn` (test/support/engines.ts) sends it through the `skip-reason` command of `skipReasons()`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const resultsDir = fileURLToPath(new URL('../../.test-results/', import.meta.url));

const key = (browserName, testFile, titlePath) =>
  JSON.stringify([browserName, relative(process.cwd(), testFile), ...titlePath]);

/**
 * Why tests were skipped, as the pages said: a dev-server plugin for the `skip-reason` command (the session
 * says which browser and file), to give to `resultsReporter`.
 */
export function skipReasons() {
  const reasons = new Map();
  return {
    name: 'skip-reasons',
    executeCommand({ command, payload, session }) {
      if (command !== 'skip-reason') return undefined;
      reasons.set(key(session.browser.name, session.testFile, payload.titlePath), payload.reason);
      return true;
    },
    reasonFor: (browserName, testFile, titlePath) => reasons.get(key(browserName, testFile, titlePath)),
  };
}

/**
 * @param {{ file?: string, skipReasons?: ReturnType<typeof skipReasons> }} [options] `file`: where to write,
 * default .test-results/browser.json; `skipReasons`: the plugin that heard why tests were skipped.
 */
export function resultsReporter({ file = `${resultsDir}browser.json`, skipReasons: reasons } = {}) {
  let browserNames = [];
  let testFiles = [];
  const write = (result) => {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  };

  return {
    start({ browserNames: names, testFiles: files }) {
      browserNames = [...names];
      testFiles = files.map((path) => relative(process.cwd(), path));
      // A run that dies before finishing leaves an incomplete result, never a previous run's one.
      write({ complete: false, testFiles, browsers: {} });
    },

    onTestRunFinished({ sessions }) {
      const empty = () => ({ files: 0, passed: 0, failed: 0, skipped: 0, fileErrors: 0, failures: [], skips: [] });
      const browsers = Object.fromEntries(browserNames.map((name) => [name, empty()]));
      for (const session of sessions) {
        const counts = (browsers[session.browser.name] ??= empty());
        const testFile = relative(process.cwd(), session.testFile);
        counts.files += 1;
        let failedTests = 0;
        const walk = (suite, path) => {
          for (const test of suite.tests ?? []) {
            if (test.skipped) {
              counts.skipped += 1;
              const reason = reasons?.reasonFor(session.browser.name, session.testFile, [...path, test.name]);
              counts.skips.push(
                `${testFile} › ${[...path, test.name].join(' › ')} (${reason ?? 'no reason given: skip with skipIn'})`,
              );
            } else if (test.passed) counts.passed += 1;
            else {
              failedTests += 1;
              counts.failures.push(`${testFile} › ${[...path, test.name].join(' › ')}`);
            }
          }
          for (const child of suite.suites ?? []) walk(child, [...path, child.name]);
        };
        if (session.testResults) walk(session.testResults, []);
        counts.failed += failedTests;

        // Errors outside any test (load errors, uncaught errors, hooks, timeouts, crashes) are failures too,
        // and so is a session that did not pass or did not finish without any of them telling why.
        let fileErrors = session.errors?.length ?? 0;
        if (fileErrors === 0 && failedTests === 0 && (session.passed !== true || session.status !== 'FINISHED'))
          fileErrors = 1;
        for (const error of session.errors ?? [])
          counts.failures.push(`${testFile}: ${String(error.message ?? error).split('\n')[0]}`);
        if (fileErrors > (session.errors?.length ?? 0))
          counts.failures.push(`${testFile}: did not pass (status ${session.status})`);
        counts.fileErrors += fileErrors;
        counts.failed += fileErrors;
      }
      write({ complete: true, testFiles, browsers });
    },
  };
}
