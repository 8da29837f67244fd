// The package as a user gets it (README, "Install"): a clean copy of the repository — what `git clone` gives,
// with the working tree's contents: tracked and new files, no lib/, no dist/ — is packed with `npm pack` (its
// `prepack` build, which also strips the manifest's scripts), the tarball is installed into a scratch project
// from the local npm cache, and then every entry point is used from there: imported in Node (server-side rendering, where
// `ce-connect/callback` must do nothing), the dist/ bundles loaded in Chromium, and the typings checked with
// no framework's types installed, then with each framework's alone.
//
// The copy builds with this repository's node_modules (a symlink): installing the dev dependencies afresh
// would take minutes and test npm rather than the package. Everything lives in one temporary folder,
// removed at the end.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { launchChromium } from '../../tools/chromium.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);
const TSC = require.resolve('typescript/bin/tsc');
const VUE_TSC = join(dirname(require.resolve('vue-tsc/package.json')), 'bin', 'vue-tsc.js');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

let base; // the temporary folder
let app; // the scratch project the tarball is installed into
let packed; // the tarball's file list
let manifestBefore; // the copy's package.json before `npm pack`
let installWarnings; // what `npm install` of the tarball warned about

/** Runs a command to completion; fails the test with its output when it fails. */
function run(command, args, cwd, { ok = true } = {}) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    timeout: 240_000,
    shell: process.platform === 'win32',
  });
  if (ok && result.status !== 0)
    assert.fail(
      `${command} ${args.join(' ')} (in ${cwd}) exited with ${result.status ?? result.signal}:\n${result.stdout}\n${result.stderr}`,
    );
  return result;
}

/** A copy of the working tree as a fresh clone would have it: the files git tracks or would add, nothing ignored. */
function cleanCopy(to) {
  const listed = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], root)
    .stdout.split('\0')
    .filter(Boolean);
  for (const file of listed) {
    if (!existsSync(join(root, file))) continue; // deleted in the working tree, not yet in git
    mkdirSync(dirname(join(to, file)), { recursive: true });
    copyFileSync(join(root, file), join(to, file));
  }
}

before(async () => {
  base = mkdtempSync(join(tmpdir(), 'ce-connect-pack-'));
  const clone = join(base, 'clone');
  cleanCopy(clone);
  assert.ok(!existsSync(join(clone, 'lib')) && !existsSync(join(clone, 'dist')), 'the copy holds no build output');
  symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'), 'dir');
  manifestBefore = readFileSync(join(clone, 'package.json'), 'utf8');

  run(npm, ['pack', '--pack-destination', base, '--loglevel', 'error'], clone);
  const tarball = readdirSync(base).find((name) => name.endsWith('.tgz'));
  assert.ok(tarball, 'npm pack wrote a tarball');
  packed = run('tar', ['-tzf', join(base, tarball)], base)
    .stdout.split('\n')
    .filter(Boolean)
    .map((path) => path.replace(/^package\//, ''));

  app = join(base, 'app');
  mkdirSync(app);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'scratch-app', private: true, type: 'module' }, null, 2),
  );
  const install = run(
    npm,
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel', 'warn', join(base, tarball)],
    app,
  );
  // npm's remarks about its own configuration are the machine's, not the package's.
  installWarnings = `${install.stdout}\n${install.stderr}`
    .split('\n')
    .filter((line) => /^npm warn/i.test(line) && !/^npm warn config/i.test(line));
});

after(() => {
  if (base) rmSync(base, { recursive: true, force: true });
});

test('the tarball holds lib/, dist/, custom-elements.json, the README and package.json; no sources or tests', () => {
  for (const file of [
    'package.json',
    'README.md',
    'custom-elements.json',
    'lib/index.js',
    'lib/index.d.ts',
    'lib/callback.js',
    'lib/react.js',
    'lib/react.d.ts',
    'lib/server/index.js',
    'lib/server/index.d.ts',
    'lib/sandbox/index.js',
    'lib/sandbox/bin.js',
    'lib/jsx/react.d.ts',
    'lib/jsx/preact.d.ts',
    'lib/jsx/solid.d.ts',
    'lib/jsx/vue.d.ts',
    'lib/jsx/attributes.d.ts',
    'dist/ce-connect.js',
    'dist/ce-connect-callback.js',
  ])
    assert.ok(packed.includes(file), `${file} is in the tarball`);
  assert.deepEqual(
    packed.filter(
      (file) =>
        /^(src|test|scripts|demo)\//.test(file) ||
        (file.startsWith('node_modules/') && !file.startsWith('node_modules/@lit/react/')),
    ),
    [],
  );
  // The wrapper and React stay out of the self-contained element bundle.
  assert.doesNotMatch(
    readFileSync(join(app, 'node_modules/ce-connect/dist/ce-connect.js'), 'utf8'),
    /forwardRef|createComponent|react\.element/,
  );
  const pkg = JSON.parse(readFileSync(join(app, 'node_modules/ce-connect/package.json'), 'utf8'));
  assert.equal(pkg.customElements, 'custom-elements.json');
  const manifest = JSON.parse(readFileSync(join(app, 'node_modules/ce-connect', pkg.customElements), 'utf8'));
  assert.ok(
    manifest.modules.some((module) =>
      module.declarations.some((declaration) => declaration.tagName === 'ce-connect-button'),
    ),
  );
});

test('the published manifest: a LICENSE, no scripts (they name the unshipped scripts/), nothing to warn about, no @types/react', () => {
  assert.ok(packed.includes('LICENSE'), 'LICENSE is in the tarball');
  assert.match(
    readFileSync(join(app, 'node_modules/ce-connect/LICENSE'), 'utf8'),
    /^MIT License\n\nCopyright \(c\) 2026 ce-connect contributors\n/,
  );
  const pkg = JSON.parse(readFileSync(join(app, 'node_modules/ce-connect/package.json'), 'utf8'));
  assert.equal(pkg.license, 'MIT');
  assert.equal(pkg.scripts, undefined, 'the published package.json has no scripts');
  assert.deepEqual(pkg.bin, { 'ce-connect-sandbox': './lib/sandbox/bin.js' });
  assert.deepEqual(installWarnings, [], 'npm install of the tarball warns about nothing');
  // The build scripts stay in the repository (a git install runs `prepare`): the pack put package.json back as it was.
  assert.equal(readFileSync(join(base, 'clone/package.json'), 'utf8'), manifestBefore);
  assert.ok(!existsSync(join(base, 'clone/.package.json.prepack')));
  // Peers: only optional ones (React, redis), and nothing a dependency pulls in as its own peer. @lit/react ships
  // inside the package (bundleDependencies), so npm does not install its peer @types/react for Vue or plain-HTML users.
  assert.deepEqual(Object.keys(pkg.peerDependencies).sort(), Object.keys(pkg.peerDependenciesMeta).sort());
  assert.ok(Object.values(pkg.peerDependenciesMeta).every((meta) => meta.optional === true));
  assert.ok(packed.includes('node_modules/@lit/react/package.json'), '@lit/react is bundled');
  assert.ok(!existsSync(join(app, 'node_modules/@types/react')), 'no @types/react installed');
  assert.ok(!existsSync(join(app, 'node_modules/react')), 'no react installed');
});

test('Node (server-side rendering): every entry point imports without throwing; ce-connect/callback does nothing', () => {
  const script = `
    const core = await import('ce-connect');
    if (typeof core.CeConnectButton !== 'function' || core.TAG_NAME !== 'ce-connect-button') throw new Error('ce-connect exports');
    await import('ce-connect/callback');
    const { createConnectHandler, toNodeListener } = await import('ce-connect/server');
    const { createSandbox } = await import('ce-connect/sandbox');
    if (typeof createConnectHandler !== 'function' || typeof toNodeListener !== 'function' || typeof createSandbox !== 'function') throw new Error('server exports');
    const response = await createSandbox().handler(new Request('http://127.0.0.1/elements/api-v2/instances'));
    console.log(JSON.stringify({ sandbox: response.status, globals: [typeof window, typeof document] }));
  `;
  const { stdout } = run(process.execPath, ['--input-type=module', '-e', script], app);
  // The sandbox answers (401 without its secrets), and nothing made a window or a document appear.
  assert.deepEqual(JSON.parse(stdout.trim().split('\n').pop()), { sandbox: 401, globals: ['undefined', 'undefined'] });
});

test('Node: ce-connect/react renders on the server with React installed beside it', () => {
  for (const name of ['react', 'react-dom'])
    symlinkSync(join(root, 'node_modules', name), join(app, 'node_modules', name), 'dir');
  try {
    const script = `
      const { createElement } = await import('react');
      const { renderToString } = await import('react-dom/server');
      const { ConnectButton } = await import('ce-connect/react');
      console.log(renderToString(createElement(ConnectButton, { element: 'sfdc' })));
    `;
    const { stdout } = run(process.execPath, ['--input-type=module', '-e', script], app);
    assert.match(stdout, /<ce-connect-button[^>]*>/);
  } finally {
    for (const name of ['react', 'react-dom']) rmSync(join(app, 'node_modules', name));
  }
});

test('Chromium: dist/ce-connect.js defines the element, dist/ce-connect-callback.js runs on a callback page', async () => {
  const dist = join(app, 'node_modules/ce-connect/dist');
  const pages = {
    '/': '<!doctype html><script type="module" src="/dist/ce-connect.js"></script><ce-connect-button element="sfdc"></ce-connect-button>',
    '/callback':
      '<!doctype html><p id="ce-connect-status"></p><script type="module" src="/dist/ce-connect-callback.js"></script>',
  };
  const server = createServer((request, response) => {
    const path = new URL(request.url, 'http://127.0.0.1').pathname;
    const bundle = /^\/dist\/(ce-connect(-callback)?\.js)$/.exec(path)?.[1];
    if (bundle) response.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(join(dist, bundle)));
    else if (pages[path]) response.writeHead(200, { 'content-type': 'text/html' }).end(pages[path]);
    else response.writeHead(404).end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => document.querySelector('ce-connect-button')?.shadowRoot?.querySelector('button'));
    const label = await page.evaluate(() =>
      document.querySelector('ce-connect-button').shadowRoot.querySelector('button').textContent.trim(),
    );
    assert.equal(label, 'Connect to Salesforce');

    await page.goto(`${origin}/callback?code=abc&state=${'s'.repeat(43)}`);
    await page.waitForFunction(() => document.getElementById('ce-connect-status').textContent !== '');
    const seen = await page.evaluate(() => ({
      text: document.getElementById('ce-connect-status').textContent,
      search: location.search,
    }));
    assert.deepEqual(seen, { text: 'You can close this window.', search: '' });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** Type-checks `files` in a folder of the scratch project with strict settings and skipLibCheck off. */
function typeCheck(folder, compilerOptions, files, checker = TSC) {
  const dir = join(app, folder);
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const options = {
    target: 'ES2022',
    lib: ['ES2022', 'DOM', 'DOM.Iterable'],
    module: 'ESNext',
    moduleResolution: 'bundler',
    types: [],
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    ...compilerOptions,
  };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: options, include: Object.keys(files) }));
  const result = run(process.execPath, [checker, '-p', join(dir, 'tsconfig.json'), '--pretty', 'false'], dir, {
    ok: false,
  });
  assert.equal(result.status, 0, `${folder} must type-check:\n${result.stdout}${result.stderr}`);
}

const CONSUMER = `import 'ce-connect';
import { ConnectedEvent, type CeConnectButton, type CeConnectButtonAttributes } from 'ce-connect';
const button: CeConnectButton | null = document.querySelector('ce-connect-button');
button?.addEventListener('connected', (event) => console.log(event.detail.instanceId, event instanceof ConnectedEvent));
export const attributes: CeConnectButtonAttributes = { element: 'sfdc', 'api-base': '/api/ce' };
`;

test('types without any framework installed: importing ce-connect type-checks (bundler and NodeNext resolution)', () => {
  // @lit/react (bundled, for ce-connect/react) names @types/react as its peer, which npm does not install for
  // a bundled dependency: checked as npm left it, and again once more without it in case another tool put it there.
  assert.ok(
    !existsSync(join(app, 'node_modules/react')) &&
      !existsSync(join(app, 'node_modules/vue')) &&
      !existsSync(join(app, 'node_modules/preact')) &&
      !existsSync(join(app, 'node_modules/solid-js')),
  );
  typeCheck('plain', {}, { 'consumer.ts': CONSUMER });
  rmSync(join(app, 'node_modules/@types/react'), { recursive: true, force: true });
  typeCheck('plain-bundler', {}, { 'consumer.ts': CONSUMER });
  typeCheck('plain-nodenext', { module: 'NodeNext', moduleResolution: 'NodeNext' }, { 'consumer.ts': CONSUMER });
});

test("types with one framework's types installed alone: its fixture from test/types/ type-checks", () => {
  const frameworks = [
    { name: 'react', packages: ['@types/react'], fixture: 'ok.tsx', options: { jsx: 'react-jsx' } },
    {
      name: 'preact',
      packages: ['preact'],
      fixture: 'ok.tsx',
      options: { jsx: 'react-jsx', jsxImportSource: 'preact' },
    },
    {
      name: 'solid',
      packages: ['solid-js'],
      fixture: 'ok.tsx',
      options: { jsx: 'preserve', jsxImportSource: 'solid-js' },
    },
    { name: 'vue', packages: ['vue'], fixture: 'Ok.vue', options: { jsx: 'preserve' }, checker: VUE_TSC },
  ];
  for (const { name, packages, fixture, options, checker } of frameworks) {
    for (const pkg of packages) {
      mkdirSync(dirname(join(app, 'node_modules', pkg)), { recursive: true });
      rmSync(join(app, 'node_modules', pkg), { recursive: true, force: true }); // npm's copy of @types/react
      symlinkSync(join(root, 'node_modules', pkg), join(app, 'node_modules', pkg), 'dir');
    }
    try {
      typeCheck(
        `only-${name}`,
        options,
        { [fixture]: readFileSync(join(root, 'test/types', name, fixture), 'utf8') },
        checker,
      );
    } finally {
      for (const pkg of packages) rmSync(join(app, 'node_modules', pkg), { force: true });
    }
  }
});
