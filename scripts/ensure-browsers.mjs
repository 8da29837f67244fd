// Makes sure the browser the tests drive is installed: Debian's Chromium. Installs it when it can (root,
// or password-less sudo) and otherwise stops with the exact command to run. Nothing downloads a browser
// of its own here: the tests use the system's.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const packages = ['chromium'];
const command = `apt-get update && apt-get install -y ${packages.join(' ')}`;

if (existsSync(chromium)) process.exit(0);

console.log(`ce-connect tests need Chromium at ${chromium}; installing Debian's package…`);
const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const sudo = !asRoot && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
if (!asRoot && !sudo) {
  console.error(`Cannot install it without root. Run:\n\n  sudo sh -c '${command}'\n\nthen "npm test" again (or set CHROMIUM_PATH to a Chromium binary).`);
  process.exit(1);
}
const run = (args) => execFileSync(sudo ? 'sudo' : args[0], sudo ? args : args.slice(1), { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
try {
  run(['apt-get', 'update']);
  run(['apt-get', 'install', '-y', ...packages]);
} catch {
  console.error(`Installing Chromium failed. Run it by hand:\n\n  sudo sh -c '${command}'`);
  process.exit(1);
}
if (!existsSync(chromium)) {
  console.error(`Chromium is still missing at ${chromium}.`);
  process.exit(1);
}
