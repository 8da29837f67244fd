// Which browser engine runs the page, and the one way to skip a test in an engine that cannot run it.
// The suite runs in Chromium, Firefox ESR and WebKit; a test that cannot work in one of them because of an
// engine limitation (not because it is slow or flaky there: fix those) is declared with `skipIn`:
//
//   skipIn('webkit', 'WebKitGTK has no …: the test needs it')('the test name', async () => { … });
//
// In the engines named it is declared skipped (its body and hooks never run) and the reason goes, with the
// test's name, to the summary `npm test` prints (test/support/results-reporter.mjs); elsewhere it is `it`.
import { executeServerCommand } from '@web/test-runner-commands';

export type Engine = 'chromium' | 'firefox' | 'webkit';

/** The engine of this page, named as in BROWSERS=chromium,firefox,webkit (WebKit's user agent says Safari). */
export const engine: Engine = /Firefox\//.test(navigator.userAgent)
  ? 'firefox'
  : /Chrom(e|ium)\//.test(navigator.userAgent)
    ? 'chromium'
    : 'webkit';

type Body = Mocha.Func | Mocha.AsyncFunc;

/** `it` in every engine but `engines`, where the test is skipped and `reason` is reported with its name. */
export function skipIn(engines: Engine | Engine[], reason: string): (name: string, body: Body) => Mocha.Test {
  if (!reason.trim()) throw new Error('skipIn: say which engine limitation makes the test impossible there');
  if (!([] as Engine[]).concat(engines).includes(engine)) return (name, body) => it(name, body);
  return (name, body) => {
    const test = it.skip(name, body);
    // The runner learns a test was skipped, not why: the reason goes to the results reporter's plugin.
    executeServerCommand('skip-reason', { titlePath: test.titlePath(), reason }).catch((error: unknown) => {
      console.error(`skipIn: the reason for "${name}" did not reach the reporter: ${String(error)}`);
    });
    return test;
  };
}
