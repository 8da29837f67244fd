// A backend on another origin than the page (#21 item 3): the element on this test page (127.0.0.1:A) calls
// ce-connect/server on 127.0.0.1:B (test/support/cross-origin-backend.mjs) with credentials; the handler answers
// CORS for its allowedOrigins. Same site, another origin — as app.example.com → api.example.com.
import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import type { CeConnectButton } from '../src/index.js';
import { realClick } from './support/helpers.js';
import { popupsOfEachTest } from './support/popups.js';
import '../src/index.js';

/** The element's text for a refused cross-origin fetch (src/backend-client.ts). */
const CORS_TEXT = "The backend refused this page's origin, or could not be reached.";

/** A button whose api-base is `basePath` on the backend's origin (another port of this host). */
async function mountCrossOrigin(basePath: string): Promise<CeConnectButton> {
  const origin = ((await (await fetch('/api/cross-origin-backend')).json()) as { origin: string }).origin;
  expect(origin).not.to.equal(location.origin);
  return fixture<CeConnectButton>(
    html`<ce-connect-button element="sfdc" api-base=${origin + basePath} closed-grace="100"></ce-connect-button>`,
  );
}

describe('a backend on another origin (CORS for allowedOrigins)', () => {
  const watch = popupsOfEachTest();

  it('an allowed page: connect (flow 4b, the code POSTed cross-origin with the flow cookie) and disconnect succeed', async () => {
    const el = await mountCrossOrigin('/api/cross');
    const connected = oneEvent(el, 'connected');
    await realClick(el);
    const { detail } = await connected;
    expect(detail.element).to.equal('sfdc');
    expect(detail.instanceId).to.match(/^\d+$/);
    expect(el.status).to.equal('connected');
    const disconnected = oneEvent(el, 'disconnected');
    await el.disconnect();
    expect((await disconnected).detail).to.deep.equal({
      element: 'sfdc',
      instanceId: detail.instanceId,
      reason: 'user',
    });
    expect(el.status).to.equal('idle');
  });

  it('a page whose origin the backend does not allow: connect-error network with the CORS text, no popup left open', async () => {
    const el = await mountCrossOrigin('/api/cross-refused');
    const failed = oneEvent(el, 'connect-error');
    await realClick(el);
    const { detail } = await failed;
    expect(detail.code).to.equal('network');
    expect(detail.message).to.equal(CORS_TEXT);
    expect(watch.popups.every((popup) => popup.closed)).to.equal(true);
  });
});
