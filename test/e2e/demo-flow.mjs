// Helpers of the demo's end-to-end tests of the sequence picture (demo/flow-picture.js), for any engine: what
// the picture shows is read in the page by one function, so each driver (puppeteer, WebDriver) runs the same.

/**
 * A script (a function body, as WebDriver's execute wants it) that answers the picture's state:
 * `{ status, steps: [{ id, status, lit, time, title, checks, reason }] }`.
 */
export const READ_PICTURE = `
  const list = document.getElementById('flow-steps');
  return {
    status: list.dataset.status,
    flow: list.dataset.flow,
    steps: [...list.querySelectorAll('li.step')].map((item) => ({
      id: item.dataset.step,
      status: item.dataset.status,
      lit: item.dataset.lit ? Number(item.dataset.lit) : undefined,
      time: item.querySelector('.step-time').textContent,
      title: item.querySelector('.step-title').textContent,
      checks: item.querySelector('.step-checks')?.textContent ?? '',
      reason: item.querySelector('.step-reason')?.textContent ?? '',
      focusable: item.tabIndex === 0,
    })),
  };
`;

/**
 * A script that answers true once the picture shows an ended flow (done or failed) reported by the server, other
 * than `arguments[0]` (the `flow` of an earlier read, or 'idle').
 */
export const SETTLED_AFTER = `
  const list = document.getElementById('flow-steps');
  const flow = list?.dataset.flow ?? '';
  return flow !== arguments[0] && !flow.startsWith('page-') && ['done', 'failed'].includes(list.dataset.status);
`;

/** The picture's state, read with puppeteer. */
export function readPicture(page) {
  return page.evaluate(new Function(READ_PICTURE));
}

/** Waits (puppeteer) until the picture shows an ended flow other than `after`; answers the picture's state. */
export async function settledPicture(page, after = 'idle') {
  await page.waitForFunction(new Function(SETTLED_AFTER), { timeout: 20000 }, after);
  return readPicture(page);
}

/** The time format of a step: "42 ms" or "3.2 s". */
export const STEP_TIME = /^\d+ ms$|^\d+\.\d s$/;
