// Server-side rendering for the browser suite: the `react-ssr` command renders `ce-connect/react`'s
// ConnectButton (or React's bare <ce-connect-button>) with react-dom/server's renderToString in a Node child
// process, as a server does — the built lib/, React's and @lit/react's Node builds, no DOM — and answers the
// HTML for the page to hydrate. Handler props are named, not sent: on the server they are no-op functions,
// which renderToString leaves out as it would the page's own. Used by test/react-ssr.test.ts.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

const SCRIPT = `
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { ConnectButton } from 'ce-connect/react';
const { kind, props, handlers } = JSON.parse(process.argv[1]);
for (const name of handlers) props[name] = () => {};
process.stdout.write(renderToString(createElement(kind === 'wrapper' ? ConnectButton : 'ce-connect-button', props)));
`;

/** `payload`: { kind: 'wrapper' | 'bare', props: the JSON props, handlers: the names of the handler props }. */
function render(payload) {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', SCRIPT, JSON.stringify(payload)],
      { cwd: root },
      (error, stdout, stderr) =>
        error ? reject(new Error(`server render failed: ${error.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

export function reactSsr() {
  return {
    name: 'react-ssr',
    executeCommand({ command, payload }) {
      return command === 'react-ssr' ? render(payload) : undefined;
    },
  };
}
