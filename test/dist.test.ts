// The shipped bundles, as a plain HTML page uses them: dist/ce-connect.js (loaded twice) on a page with a
// strict CSP and Trusted Types, and dist/ce-connect-callback.js on the callback page. Needs `npm run build`.
import { expect } from '@open-wc/testing';
import { sendMouse } from '@web/test-runner-commands';
import { uid } from './support/backend.js';
import { waitUntil } from './support/helpers.js';

interface Report {
  strict: true;
  kind: 'violation' | 'error' | 'event' | 'ready';
  [key: string]: unknown;
}

async function strictPage(flags: string) {
  const reports: Report[] = [];
  const onMessage = (event: MessageEvent) => {
    if (event.origin === location.origin && event.data?.strict) reports.push(event.data);
  };
  window.addEventListener('message', onMessage);
  const frame = document.createElement('iframe');
  frame.style.cssText = 'width: 600px; height: 300px; border: 0';
  frame.src = `/test/fixtures/strict/page.html?api=${encodeURIComponent(`/api/t/${uid()}/${flags}`)}`;
  document.body.prepend(frame);
  await waitUntil(() => reports.some((r) => r.kind === 'ready'), 'the strict page is ready', { timeout: 5000 });
  const ready = reports.find((r) => r.kind === 'ready')!;
  const offset = frame.getBoundingClientRect();
  const click = () =>
    sendMouse({
      type: 'click',
      position: [Math.round(offset.x + (ready.x as number)), Math.round(offset.y + (ready.y as number))],
    });
  return {
    reports,
    click,
    done: () => {
      window.removeEventListener('message', onMessage);
      frame.remove();
    },
  };
}

describe('dist bundles on a strict-CSP, Trusted-Types page', () => {
  for (const flags of ['dist', 'dist,4a']) {
    it(`flow ${flags.includes('4a') ? '4a' : '4b'}: loads twice, connects, and causes no CSP violation or error`, async () => {
      const page = await strictPage(flags);
      try {
        await page.click();
        await waitUntil(
          () => page.reports.some((r) => r.kind === 'event' && r.type !== 'connect-start'),
          'a terminal event',
          {
            timeout: 8000,
          },
        );
        const events = page.reports.filter((r) => r.kind === 'event').map((r) => r.type);
        expect(events).to.deep.equal(['connect-start', 'connected']);
        const connected = page.reports.find((r) => r.type === 'connected')!.detail as Record<string, string>;
        expect(connected.instanceId).to.match(/^\d+$/);
        expect(page.reports.filter((r) => r.kind === 'violation' || r.kind === 'error')).to.deep.equal([]);
      } finally {
        page.done();
      }
    });
  }
});
