// The table "element → what to put in its config" of docs/elements.md, read for the tests that check every row
// (the sandbox's catalogue, and full flows through the real handler), so the document and the tests cannot drift.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SANDBOX_JIRA_SITE, SANDBOX_PASSWORD, SANDBOX_USERNAME } from '../../../lib/sandbox/index.js';

const VALUE_OF_TYPE = { email: SANDBOX_USERNAME, password: SANDBOX_PASSWORD, url: SANDBOX_JIRA_SITE };

/** A cell of the table: `—` for none, else the text in backticks (JSON where `json`). */
function cell(text, json = false) {
  if (text === '—') return undefined;
  const match = /^`([^`]+)`$/.exec(text);
  assert.ok(match, `a table cell is \`…\` or —: ${text}`);
  return json ? JSON.parse(match[1]) : match[1];
}

/**
 * What a host puts in its config for each element, read from the table of docs/elements.md so the document and
 * this test cannot drift: extra oauth/url parameters, scope, siteAddress, configuration of POST /instances;
 * credentials elements: the fields, filled with the values the sandbox accepts.
 */
export function readElementsTable() {
  const markdown = readFileSync(new URL('../../../docs/elements.md', import.meta.url), 'utf8');
  const table = markdown.split('<!-- element-config-table')[1];
  const lines = table.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| element '));
  return Object.fromEntries(
    lines.map((line) => {
      const [, key, auth, oauthUrlParameters, scope, siteAddress, configuration, fields, extras] = line
        .slice(2, -2)
        .split(' | ')
        .map((text) => text.trim());
      const documented = {
        auth,
        oauthUrlParameters: cell(oauthUrlParameters, true),
        scope: cell(scope),
        siteAddress: cell(siteAddress),
        configuration: cell(configuration, true),
        fields: cell(fields, true),
        callbackExtras: cell(extras)?.split(', ') ?? [],
      };
      const row = { ...documented, documented, configuration: { ...documented.configuration } };
      for (const field of row.fields ?? []) row.configuration[field.key] = VALUE_OF_TYPE[field.type];
      return [cell(key), row];
    }),
  );
}
