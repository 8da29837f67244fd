// Makes sure the browsers the tests drive are installed from Debian's packages: Chromium (required), and
// Firefox ESR and WebKit (WebKitWebDriver + Xvfb), the browser suite's other two engines and the cross-browser
// end-to-end tests (without one, those e2e tests skip and the browser suite runs without it, which `npm test`
// counts as a failure unless BROWSERS leaves that engine out; under CI=true the browser suite fails); and
// Debian's redis-server for the several-processes tests (each test starts its own instance on a free loopback
// port and never uses the system service; they skip when it is missing, and fail under CI=true).
// Installs what is missing when it can (root, or password-less sudo); otherwise stops with the exact command
// when Chromium is missing. Nothing downloads a browser of its own here.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const browsers = [
  { binary: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', packages: ['chromium'], required: true },
  { binary: process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr', packages: ['firefox-esr'] },
  { binary: '/usr/bin/WebKitWebDriver', packages: ['webkit2gtk-driver', 'xvfb'] },
  { binary: process.env.REDIS_SERVER_PATH ?? '/usr/bin/redis-server', packages: ['redis-server'] },
];
const missing = browsers.filter((browser) => !existsSync(browser.binary));
if (missing.length === 0) process.exit(0);

const packages = missing.flatMap((browser) => browser.packages);
const command = `apt-get update && apt-get install -y ${packages.join(' ')}`;
const chromiumMissing = missing.some((browser) => browser.required);
const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const sudo = !asRoot && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;

if (!asRoot && !sudo) {
  const message = `The tests use Debian's browsers and redis-server; missing: ${packages.join(', ')}. Install them with:\n\n  sudo sh -c '${command}'\n`;
  if (chromiumMissing) {
    console.error(`${message}\nthen run "npm test" again (or set CHROMIUM_PATH to a Chromium binary).`);
    process.exit(1);
  }
  console.warn(
    `${message}\nUntil then the suites that need them are skipped (under CI=true the Redis tests fail instead).`,
  );
  process.exit(0);
}

console.log(`Installing Debian's ${packages.join(', ')} for the tests…`);
const run = (args) =>
  execFileSync(sudo ? 'sudo' : args[0], sudo ? args : args.slice(1), {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
try {
  run(['apt-get', 'update']);
  run(['apt-get', 'install', '-y', ...packages]);
} catch {
  console.error(`Installing failed. Run it by hand:\n\n  sudo sh -c '${command}'`);
  if (chromiumMissing) process.exit(1);
}
if (!existsSync(browsers[0].binary)) {
  console.error(`Chromium is still missing at ${browsers[0].binary}.`);
  process.exit(1);
}
