// `npm test`: installs the browser if needed, builds, runs the Node suite (server, sandbox) and the
// browser suite (web-test-runner in headless Chromium), and ends with one summary line.
import { spawn } from 'node:child_process';

function run(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      process.stdout.write(chunk);
    });
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
for (const step of [['node', ['scripts/ensure-browsers.mjs']], [npm, ['run', '--silent', 'build']]]) {
  const { code } = await run(...step);
  if (code !== 0) process.exit(code);
}

let passed = 0;
let failed = 0;
let exitCode = 0;

const node = await run(npm, ['run', '--silent', 'test:node']);
passed += Number(/ℹ pass (\d+)/.exec(node.output)?.[1] ?? 0);
failed += Number(/ℹ fail (\d+)/.exec(node.output)?.[1] ?? 0);
if (node.code !== 0) exitCode = node.code;

const browser = await run(npm, ['run', '--silent', 'test:browser']);
// web-test-runner prints a progress line per browser ("Chrome: |…| 10/10 test files | 184 passed, 0 failed"):
// the last one of each browser holds its totals.
const perBrowser = new Map();
const plain = browser.output.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '\n'); // drop the progress bar's terminal codes
for (const [, name, ok, ko] of plain.matchAll(/(\w+):\s+\|[^\n]*?(\d+) passed, (\d+) failed/g)) perBrowser.set(name, [ok, ko]);
for (const [ok, ko] of perBrowser.values()) {
  passed += Number(ok);
  failed += Number(ko);
}
if (browser.code !== 0) exitCode = browser.code;
if (perBrowser.size === 0) exitCode ||= 1;

console.log(`\nNode suite and browser suite together:`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(exitCode || (failed > 0 ? 1 : 0));
