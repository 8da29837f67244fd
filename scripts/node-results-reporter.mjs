// A node --test reporter (`--test-reporter=./scripts/node-results-reporter.mjs`) that prints nothing and writes
// the runner's own totals to .test-results/node.json for scripts/test.mjs: the summary the test runner emits
// at the end of the run (tests, suites, pass, fail, cancelled, skipped, todo, duration_ms), plus the names of
// the failed and skipped tests. A run that ends without that summary (crashed, killed) leaves `complete: false`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const resultsDir = fileURLToPath(new URL('../.test-results/', import.meta.url));
const file = `${resultsDir}node.json`;
const totalsKeys = ['tests', 'suites', 'pass', 'fail', 'cancelled', 'skipped', 'todo', 'duration_ms'];

// eslint-disable-next-line require-yield -- a reporter is an async generator; this one writes a file, not output
export default async function* nodeResultsReporter(source) {
  const totals = {};
  const failures = [];
  const skips = [];
  const write = (complete) => {
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(file, `${JSON.stringify({ complete, totals, failures, skips }, null, 2)}\n`);
  };
  const nameOf = ({ file: testFile, name }) => {
    const where = testFile ? relative(process.cwd(), testFile) : '';
    if (!where) return name;
    return name === testFile || name === where ? where : `${where} › ${name}`; // a file that failed to load is a test
  };
  write(false); // a run that dies half-way leaves an incomplete result, never a previous run's one
  for await (const event of source) {
    const skipped = event.data?.skip || event.data?.todo; // true, or the reason given; todo tests may fail
    if ((event.type === 'test:pass' || event.type === 'test:fail') && skipped) {
      skips.push(`${nameOf(event.data)}${typeof skipped === 'string' ? ` (${skipped})` : ''}`);
    } else if (event.type === 'test:fail' && event.data.details?.type !== 'suite') {
      failures.push(nameOf(event.data));
    } else if (event.type === 'test:diagnostic' && event.data.nesting === 0) {
      // The run's summary: "tests 42", "pass 40", … emitted by the runner once all files have finished.
      const match = /^(\w+) (\d+(?:\.\d+)?)$/.exec(event.data.message);
      if (match && totalsKeys.includes(match[1])) totals[match[1]] = Number(match[2]);
    }
  }
  write(totalsKeys.every((key) => key in totals));
}
