// JSX and template typings (docs/frameworks.md): small consumer projects in test/types/ are type-checked with each
// framework's real types — React 19 (the bare tag and ce-connect/react), Preact, Solid with tsc, Vue
// templates with vue-tsc — under strict, consumer-like settings with skipLibCheck off. `ok` files must
// type-check; every `bad` file must fail, for the misspelling it holds. They import `ce-connect` by name, so
// they check the built lib/ as a user gets it. (That the typings stay silent when a framework is absent is
// checked on the installed tarball, in package-install.test.mjs.) The typings' lists are also compared with
// custom-elements.json, so that an attribute or event added to the element cannot be forgotten here.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import ts from 'typescript';

const root = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);
const TSC = require.resolve('typescript/bin/tsc');
const VUE_TSC = join(dirname(require.resolve('vue-tsc/package.json')), 'bin', 'vue-tsc.js');

/** Runs a checker on test/types/{project}; resolves with its diagnostics grouped by file name. */
function typeCheck(checker, project) {
  const run = spawnSync(process.execPath, [checker, '-p', `test/types/${project}/tsconfig.json`, '--pretty', 'false'], {
    cwd: root,
    encoding: 'utf8',
  });
  assert.ok(
    run.status === 0 || run.status === 2,
    `the checker failed to run (${run.status}): ${run.stdout}${run.stderr}`,
  );
  const byFile = new Map();
  let last;
  for (const line of run.stdout.split('\n')) {
    const match = /^(.+?)\(\d+,\d+\): error (TS\d+: .*)$/.exec(line);
    if (match) {
      const file = relative(`test/types/${project}`, match[1]);
      last = { file, text: match[2] };
      byFile.set(file, [...(byFile.get(file) ?? []), last]);
    } else if (line.trim() && last) {
      last.text += ` ${line.trim()}`; // the rest of a message chain
    } else if (line.trim()) {
      assert.fail(`unexpected checker output: ${line}`);
    }
  }
  return byFile;
}

/** Each fixture of a project and what its diagnostics must say: nothing for `ok` files. */
const PROJECTS = [
  {
    name: 'react',
    checker: TSC,
    must: {
      'bad-attribute.tsx': /'elemnt' does not exist/,
      'bad-detail.tsx': /'instanceid' does not exist on type 'ConnectedDetail'/,
      'wrapper-bad-prop.tsx': /'elemnt' does not exist/,
      'wrapper-no-element.tsx': /Property 'element' is missing/,
      'wrapper-status-prop.tsx': /'status' does not exist/,
      'wrapper-bad-detail.tsx': /'instanceid' does not exist on type 'ConnectedDetail'/,
    },
  },
  {
    name: 'preact',
    checker: TSC,
    must: {
      'bad-attribute.tsx': /'elemnt' does not exist/,
      'bad-detail.tsx': /'instanceid' does not exist on type 'ConnectedDetail'/,
    },
  },
  {
    name: 'solid',
    checker: TSC,
    must: {
      'bad-attribute.tsx': /'elemnt' does not exist/,
      'bad-detail.tsx': /'instanceid' does not exist on type 'ConnectedDetail'/,
    },
  },
  // Vue lets unknown attributes fall through to the element, so a misspelt `element` fails as a missing one.
  {
    name: 'vue',
    checker: VUE_TSC,
    must: {
      'BadAttribute.vue': /'element' is missing/,
      'BadDetail.vue': /'instanceid' does not exist on type 'ConnectedDetail'/,
    },
  },
];

for (const { name, checker, must } of PROJECTS) {
  test(`${name}: the ok fixtures type-check; each bad fixture fails for its misspelling`, () => {
    const fixtures = readdirSync(join(root, 'test/types', name)).filter((file) => /\.(tsx|vue)$/.test(file));
    assert.deepEqual(
      fixtures.filter((file) => !/^ok|^Ok|^wrapper-ok/.test(file)).sort(),
      Object.keys(must).sort(),
      'every bad fixture has an expectation',
    );
    const diagnostics = typeCheck(checker, name);
    for (const file of fixtures) {
      const found = (diagnostics.get(file) ?? []).map((d) => d.text);
      if (!must[file]) {
        assert.deepEqual(found, [], `${name}/${file} must type-check`);
        continue;
      }
      assert.ok(found.length > 0, `${name}/${file} must fail to type-check`);
      for (const text of found) assert.match(text, must[file], `${name}/${file}: only the misspelling may fail`);
    }
    assert.deepEqual(
      [...diagnostics.keys()].filter((file) => !fixtures.includes(file)),
      [],
      'no diagnostics outside the fixtures',
    );
  });
}

/** The property names of `interface {name}` (or type literal/mapped keys are not read) in a source file. */
function interfaceKeys(file, name) {
  const source = ts.createSourceFile(file, readFileSync(join(root, file), 'utf8'), ts.ScriptTarget.Latest, true);
  const found = source.statements.find((node) => ts.isInterfaceDeclaration(node) && node.name.text === name);
  assert.ok(found, `${file} declares interface ${name}`);
  return found.members.map((member) => member.name.text).sort();
}

test('the typings list every attribute, property and event the manifest (custom-elements.json) has', () => {
  const manifest = JSON.parse(readFileSync(join(root, 'custom-elements.json'), 'utf8'));
  const element = manifest.modules
    .flatMap((module) => module.declarations)
    .find((declaration) => declaration.tagName === 'ce-connect-button');
  // `status` is the element's output (reflected for CSS); setting it from markup means nothing.
  const settable = element.attributes.filter((attribute) => attribute.name !== 'status');
  assert.deepEqual(
    interfaceKeys('src/jsx/attributes.ts', 'CeConnectButtonAttributes'),
    settable.map((a) => a.name).sort(),
  );
  // Plus the properties without an attribute (`texts`: an object).
  const propertyOnly = element.members.filter(
    (member) =>
      member.kind === 'field' &&
      (member.privacy ?? 'public') === 'public' &&
      !member.static &&
      !member.readonly &&
      !settable.some((a) => a.fieldName === member.name) &&
      member.name !== 'status',
  );
  assert.deepEqual(
    interfaceKeys('src/jsx/attributes.ts', 'CeConnectButtonProperties'),
    [...settable.map((a) => a.fieldName), ...propertyOnly.map((m) => m.name)].sort(),
  );
  const events = element.events.map((event) => event.name).sort();
  assert.deepEqual(interfaceKeys('src/events.ts', 'ConnectEventMap'), events);
  // ce-connect/react: one `on…` prop per event.
  const wrapper = readFileSync(join(root, 'src/react.ts'), 'utf8');
  assert.deepEqual([...wrapper.matchAll(/^\s+on\w+: '([a-z-]+)',$/gm)].map((match) => match[1]).sort(), events);
});
