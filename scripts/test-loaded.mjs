// `npm run test:loaded [-- runs]`: the whole `npm test`, several times in a row (default 5), while a busy loop
// runs on every core — the proof that no test depends on how fast the machine is. Exits non-zero if any run fails.
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';

const runs = Number(process.argv[2] ?? 5);
const busy = Array.from({ length: availableParallelism() }, () =>
  spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
);
const stopBusy = () => busy.forEach((child) => child.kill('SIGKILL'));
process.on('exit', stopBusy);
process.on('SIGINT', () => process.exit(130));

const results = [];
for (let run = 1; run <= runs; run += 1) {
  const started = Date.now();
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, ['scripts/test.mjs'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let tail = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      tail = (tail + chunk).slice(-2000);
    });
    child.on('close', (exit) => {
      results.push(
        `run ${run}: ${/^.*\d+ passed, \d+ failed.*$/m.exec(tail.split('\n').reverse().join('\n'))?.[0] ?? 'no summary'} (${Math.round((Date.now() - started) / 1000)} s)`,
      );
      resolve(exit ?? 1);
    });
  });
  if (code !== 0) results[results.length - 1] += ' FAILED';
}
stopBusy();
console.log(`\nnpm test under load on ${busy.length} busy cores:`);
for (const line of results) console.log(line);
const green = results.filter((line) => !line.endsWith('FAILED')).length;
console.log(`${green} of ${runs} runs green`);
process.exit(green === runs ? 0 : 1);
