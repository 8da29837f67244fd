// Translations ship as their own modules, never in the core bundle (docs/texts-and-themes.md).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';

const registry = () => globalThis[Symbol.for('ce-connect.texts')];

test('the core bundle carries English only', async () => {
  const core = await readFile(new URL('../../dist/ce-connect.js', import.meta.url), 'utf8');
  for (const word of ['verbinden', 'Se connecter', 'Conectar', '接続']) assert.equal(core.includes(word), false, word);
});

test('each translation module (lib/ and dist/) registers every text of the table for its language', async () => {
  const { TEXTS } = await import('../../lib/texts.js');
  for (const lang of ['de', 'fr', 'es', 'ja']) {
    for (const entry of [`../../lib/i18n/${lang}.js`, `../../dist/i18n/${lang}.js`]) {
      delete registry()?.[lang];
      await import(`${entry}?fresh=${Date.now()}`);
      assert.deepEqual(Object.keys(registry()[lang]).sort(), Object.keys(TEXTS).sort(), entry);
      for (const [key, text] of Object.entries(registry()[lang])) {
        assert.equal(
          text.includes('{provider}'),
          TEXTS[key].includes('{provider}'),
          `${entry} ${key} keeps {provider}`,
        );
      }
    }
  }
});
