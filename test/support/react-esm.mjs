// React in the browser suite. React and ReactDOM ship CommonJS only, which the dev server cannot hand to a
// browser, so this dev-server plugin answers imports of `react` and `react-dom/client` with one ES module,
// bundled once by esbuild (one module, so both names share one React). Used by test/react-wrapper.test.ts.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SPECIFIERS = new Set(['react', 'react-dom/client']);
const PATH = '/__react-esm.js';

async function bundle() {
  // The names each package exports, read in a child process: React's development build, loaded in this
  // one, trips over the test runner's patched console.
  const script =
    'console.log(JSON.stringify([Object.keys(require("react")), Object.keys(require("react-dom/client"))]))';
  const [reactNames, clientNames] = JSON.parse(
    execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' }),
  );
  const identifier = /^[A-Za-z_$][\w$]*$/;
  const react = reactNames.filter((name) => identifier.test(name));
  const client = clientNames.filter((name) => identifier.test(name) && !react.includes(name));
  const entry = [
    "import React from 'react';",
    "import * as Client from 'react-dom/client';",
    'export default React;',
    `export const { ${react.join(', ')} } = React;`,
    `export const { ${client.join(', ')} } = Client;`,
  ].join('\n');
  const result = await build({
    stdin: { contents: entry, resolveDir: root, loader: 'js' },
    bundle: true,
    format: 'esm',
    write: false,
    define: { 'process.env.NODE_ENV': '"development"' },
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

export function reactEsm() {
  let code;
  return {
    name: 'react-esm',
    resolveImport({ source }) {
      return SPECIFIERS.has(source) ? PATH : undefined;
    },
    async serve(context) {
      if (context.path !== PATH) return undefined;
      code ??= bundle();
      return { body: await code, type: 'js' };
    },
  };
}
