// Builds the two self-contained, minified bundles for a plain <script type="module"> (CONTRACT §2).
// The npm ESM build (lib/, Lit external, .d.ts) is `tsc -p tsconfig.build.json`.
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import { checkTemplatesForTrimmedLit, trimLit } from './scripts/rollup-trim-lit.mjs';

/**
 * Collapses the white space of our stylesheet templates (unsafeCSS(`…`)), drops the leading zero of numbers
 * (`0.5em` → `.5em`), the quotes of one-word attribute values (`[status='error']` → `[status=error]`), and
 * writes `transparent` as `#0000` (the same colour): terser leaves template text alone.
 */
function minifyCssTemplates() {
  return {
    name: 'minify-css-templates',
    transform(code, id) {
      if (!id.endsWith('.styles.ts')) return null;
      const minified = code.replace(
        /unsafeCSS\(\s*`([^`]*)`/g,
        (_, body) =>
          'unsafeCSS(`' +
          body
            .replace(/\s+/g, ' ')
            .replace(/\s*([{}:;,>])\s*/g, '$1')
            .replace(/;}/g, '}')
            .replace(/([:, (])0\.(\d)/g, '$1.$2')
            .replace(/=(['"])([\w-]+)\1\]/g, '=$2]')
            .replace(/\btransparent\b/g, '#0000')
            .trim() +
          '`',
      );
      return { code: minified, map: null };
    },
  };
}

/**
 * Lit templates may be wrapped in the source, between a tag's attributes: each line break (with the indentation
 * around it) becomes the one space HTML reads there anyway, so wrapping costs the bundle nothing. Reads the
 * compiled JavaScript, so only real html`…` templates are touched, never comments or other strings.
 */
function collapseTemplateLineBreaks() {
  return {
    name: 'collapse-template-line-breaks',
    transform(code) {
      if (!/\bhtml\s*`/.test(code)) return null; // TypeScript's output says `html \`…\``
      const texts = [];
      const visit = (node) => {
        if (node.type === 'TaggedTemplateExpression' && node.tag.type === 'Identifier' && node.tag.name === 'html')
          texts.push(...node.quasi.quasis);
        for (const value of Object.values(node)) {
          for (const child of Array.isArray(value) ? value : [value]) if (typeof child?.type === 'string') visit(child);
        }
      };
      visit(this.parse(code));
      let collapsed = code;
      for (const { start, end } of texts.sort((a, b) => b.start - a.start)) {
        collapsed =
          collapsed.slice(0, start) + collapsed.slice(start, end).replace(/\s*\n\s*/g, ' ') + collapsed.slice(end);
      }
      return { code: collapsed, map: null };
    },
  };
}

/**
 * A page that loads dist/ce-connect.js twice evaluates Lit twice, and the second `createPolicy('lit-html')`
 * throws under `trusted-types lit-html` (no 'allow-duplicates'), which would abort the whole second load.
 * The second copy never renders (registration is guarded, so the first copy's class serves the tag), so it
 * skips the policy when the element is already defined, and tolerates a duplicate made by someone else.
 * Fails the build if Lit's code changes shape.
 */
function tolerateDuplicateTrustedTypesPolicy() {
  return {
    name: 'tolerate-duplicate-trusted-types-policy',
    transform(code, id) {
      if (!/[\\/]lit-html[\\/]lit-html\.js$/.test(id)) return null;
      const pattern = /(\w+)\.createPolicy\("lit-html",(\{createHTML:\w+=>\w+\})\)/;
      if (!pattern.test(code))
        this.error('lit-html no longer creates its Trusted Types policy as expected: review this plugin.');
      return {
        code: code.replace(
          pattern,
          '((f,o)=>{if(!globalThis.customElements?.get("ce-connect-button"))try{return f.createPolicy("lit-html",o)}catch{}})($1,$2)',
        ),
        map: null,
      };
    },
  };
}

const plugins = () => [
  tolerateDuplicateTrustedTypesPolicy(),
  trimLit(),
  minifyCssTemplates(),
  typescript({
    tsconfig: './tsconfig.browser.json',
    include: ['src/**/*.ts'],
    exclude: ['src/server/**', 'src/sandbox/**', 'src/node/**'],
    // Only JavaScript for the bundle: the project is composite (for `tsc -b`), which would ask for declarations.
    composite: false,
    incremental: false,
    noEmit: false,
    declaration: false,
  }),
  collapseTemplateLineBreaks(),
  checkTemplatesForTrimmedLit(),
  nodeResolve({ browser: true }),
  terser({
    ecma: 2021,
    module: true,
    // keep_fargs: false drops unused trailing parameters; nothing here reads a function's `length`.
    compress: { passes: 3, keep_fargs: false },
    format: { comments: false },
    // A leading `_` + lower-case letter marks what this may rename, not what is private: every such property is
    // renamed consistently within one bundle, so nothing outside it may use one (a page, JSON that leaves it, another
    // bundle: each dist/i18n/*.js is mangled on its own). What must stay private is `private` in TypeScript; what a
    // page may touch gets a plain name (CONTRIBUTING.md, "Architecture"). Lit's own internals use `_$…` and `__…`, which this
    // pattern leaves alone — except Lit's `_$XY` internals, which only this bundle's own copy of Lit reads: they are
    // renamed too (its `_$lit…$` markers, which identify templates and parts, keep their names).
    mangle: { properties: { regex: /^(_[a-z]|_\$(?!lit))/ } },
  }),
];

export default [
  {
    input: 'src/index.ts',
    output: { file: 'dist/ce-connect.js', format: 'es' },
    plugins: plugins(),
    // The element is a ReactiveElement rendering with lit-html: LitElement, which `lit` brings along only for its
    // registration side effects (a version list, hydration hooks), is left out.
    treeshake: { moduleSideEffects: (id) => !/[\\/]lit-element[\\/]/.test(id) },
  },
  { input: 'src/callback.ts', output: { file: 'dist/ce-connect-callback.js', format: 'es' }, plugins: plugins() },
  // Translations, outside the core bundle: a page loads the ones it needs beside dist/ce-connect.js.
  ...['de', 'fr', 'es', 'ja'].map((lang) => ({
    input: `src/i18n/${lang}.ts`,
    output: { file: `dist/i18n/${lang}.js`, format: 'es' },
    plugins: plugins(),
  })),
];
