// ESLint (flat config). Formatting is Prettier's job (.prettierrc.json); eslint-config-prettier, last, turns
// off every rule that would argue with it. `npm run lint` checks both; `npm run format` applies both.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { defineConfig } from 'eslint/config';
import lit from 'eslint-plugin-lit';
import litA11y from 'eslint-plugin-lit-a11y';
import wc from 'eslint-plugin-wc';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Node code inside src/: the host-backend handler, the sandbox and their helpers. The rest of src/ runs in a browser. */
const NODE_SRC = ['src/server/**', 'src/sandbox/**', 'src/node/**'];

export default defineConfig(
  {
    ignores: ['dist/', 'lib/', 'coverage/', '.test-results/', '.screenshots/', 'custom-elements.json'],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // Our regular expressions match control characters on purpose: they are how untrusted text is refused or
      // cleaned (state, instance names, callback parameters, messages shown to the user).
      'no-control-regex': 'off',
      // `_`-prefixed bindings are unused on purpose (a callback's leading parameters), and so are the fields a
      // destructuring names to leave them out of its rest (`const { type, v, ...fields } = message`), as in tsc.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // A `let` read (by a closure) before its one assignment says "not yet"; `const` could not.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // === and !== everywhere but `== null` (null or undefined); the minifier shortens where it is safe.
      eqeqeq: ['error', 'smart'],
    },
  },

  // src/: the type-aware rules too, each file with the TypeScript project tsconfig.json gives it.
  {
    files: ['src/**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Passing on what a `catch` caught (an `unknown`) is not making up a non-Error reason.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // `?${new URLSearchParams(…)}` is how a query is written; in Node code the type comes from @types/node's 'url'
      // module rather than the DOM library, which the rule's default list names.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        {
          allow: [
            { from: 'lib', name: ['Error', 'URL', 'URLSearchParams'] },
            { from: 'package', package: 'url', name: ['URL', 'URLSearchParams'] },
          ],
        },
      ],
      // An index read whose range the code has checked says so (`states[0] as string`, `digest()[0]!`): the
      // server and sandbox are written to type-check under noUncheckedIndexedAccess, where these are needed.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
    },
  },

  // The browser code: Lit, custom-element and template accessibility rules.
  {
    files: ['src/**/*.ts'],
    ignores: NODE_SRC,
    extends: [lit.configs['flat/recommended'], wc.configs['flat/recommended'], litA11y.configs.recommended],
    languageOptions: { globals: globals.browser },
    settings: { wc: { elementBaseClasses: ['LitElement'] } },
    rules: {
      // Lit calls a template's event listeners (`@click=${this._onClick}`) with the element as `this`.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // Empty twins of a framework's JSX interfaces, merged into them by name: the same (unused) type
    // parameters, no members of their own.
    files: ['src/jsx/*.d.ts'],
    rules: { '@typescript-eslint/no-empty-object-type': 'off', '@typescript-eslint/no-unused-vars': 'off' },
  },

  // Node: the handler and sandbox, scripts, tools, configs, the demo server, the Node tests and the test-runner plugins.
  {
    files: [
      ...NODE_SRC,
      'scripts/**',
      'tools/**',
      '*.mjs',
      'demo/*.mjs',
      'test/node/**',
      'test/e2e/**',
      'test/support/*.mjs',
    ],
    languageOptions: { globals: globals.node },
  },
  {
    // Node scripts that drive a real browser: the functions they hand to `page.evaluate` run in the page.
    files: [
      'test/e2e/**',
      'scripts/bench-browser.mjs',
      'scripts/bench-render.mjs',
      'scripts/screenshots.mjs',
      'test/node/package-install.test.mjs',
      'test/node/support/demo-browser.mjs',
    ],
    languageOptions: { globals: globals.browser },
  },

  // Browser tests (mocha under web-test-runner) and their helpers; fixture scripts and the demo page's script.
  {
    files: ['test/*.ts', 'test/support/*.ts'],
    languageOptions: { globals: { ...globals.browser, ...globals.mocha } },
    rules: {
      // Chai's property assertions (`expect(x).to.be.true`, `.and.not.empty`) are expressions by design.
      '@typescript-eslint/no-unused-expressions': 'off',
    },
  },
  {
    files: ['test/fixtures/**/*.js', 'demo/*.js'],
    languageOptions: { globals: globals.browser },
  },

  prettier,
);
