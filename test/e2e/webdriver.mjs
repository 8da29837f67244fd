// A minimal classic WebDriver (HTTP) client for the demo's end-to-end tests in WebKit: just the commands they use.
import { webkitCapabilities } from '../support/webkit-driver.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A client of the WebDriver server at `base`. */
export function webDriver(base) {
  async function command(method, path, body) {
    const response = await fetch(base + path, {
      method,
      headers: body ? { 'Content-Type': 'application/json' } : {},
      body: body && JSON.stringify(body),
      // A hang bound only: starting a session (MiniBrowser) takes far longer on a loaded machine than on an idle one.
      signal: AbortSignal.timeout(120_000),
    });
    const { value } = await response.json();
    if (!response.ok) throw new Error(`WebDriver ${method} ${path}: ${value?.error}: ${value?.message}`);
    return value;
  }
  const elementId = (reference) => Object.values(reference)[0];
  return {
    command,
    async newSession() {
      const { sessionId } = await command('POST', '/session', {
        capabilities: { alwaysMatch: webkitCapabilities() },
      });
      const s = `/session/${sessionId}`;
      const session = {
        delete: () => command('DELETE', s),
        navigate: (url) => command('POST', `${s}/url`, { url }),
        url: () => command('GET', `${s}/url`),
        execute: (script, ...args) => command('POST', `${s}/execute/sync`, { script, args }),
        cookies: () => command('GET', `${s}/cookie`),
        window: () => command('GET', `${s}/window`),
        windows: () => command('GET', `${s}/window/handles`),
        switchTo: (handle) => command('POST', `${s}/window`, { handle }),
        closeWindow: () => command('DELETE', `${s}/window`),
        find: (using, value) => command('POST', `${s}/element`, { using, value }).then(elementId),
        findInShadow: async (hostSelector, selector) => {
          const host = await session.find('css selector', hostSelector);
          const root = elementId(await command('GET', `${s}/element/${host}/shadow`));
          return elementId(
            await command('POST', `${s}/shadow/${root}/element`, { using: 'css selector', value: selector }),
          );
        },
        /** A real click: WebKit synthesises it in the UI process, so the page sees a user gesture. */
        click: (element) => command('POST', `${s}/element/${element}/click`, {}),
        /** Polls `read` until it returns something truthy. */
        async until(read, what, timeout = 10000) {
          const deadline = Date.now() + timeout;
          for (;;) {
            const value = await read();
            if (value) return value;
            if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
            await sleep(100);
          }
        },
      };
      return session;
    },
  };
}
