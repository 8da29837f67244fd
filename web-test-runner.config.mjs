// Browser tests: real headless browsers, the host backend of CONTRACT §4 as middleware, and a provider
// stand-in on a second loopback port (another origin, as real providers are).
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { fakeBackend } from './test/support/fake-backend.mjs';
import { startProvider } from './test/support/provider.mjs';

const provider = await startProvider();

const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export default {
  files: ['test/**/*.test.ts'],
  nodeResolve: true,
  hostname: '127.0.0.1',
  rootDir: '.',
  concurrency: 1,
  testFramework: { config: { timeout: 10000 } },
  testsFinishTimeout: 240000,
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
        headless: true,
        args: chromiumArgs,
        // Keep Chromium's real popup blocker: window.open without a user gesture must fail as in the field.
        ignoreDefaultArgs: ['--disable-popup-blocking'],
      },
    }),
  ],
  middleware: [fakeBackend(provider)],
  plugins: [
    esbuildPlugin({ ts: true, target: 'es2021', tsconfig: new URL('./tsconfig.json', import.meta.url).pathname }),
    { name: 'stop-provider', serverStop: () => provider.close() },
  ],
};
