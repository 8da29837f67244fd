// The demo's flow recorder (demo/flow-recorder.mjs) on its own, with an injected clock and a stand-in handler
// that logs and calls Cloud Elements as the real one does: times per step, an expired state stopped at consent on
// the backend's lane, a wrong key stopped at step 1 on Cloud Elements' lane, and nothing secret in a view.
import assert from 'node:assert/strict';
import { HANG_BOUND } from '../node/support/demo-browser.mjs';
import { describe, it } from 'node:test';
import { createFlowRecorder } from '../../demo/flow-recorder.mjs';

const BASE = 'http://127.0.0.1:9/elements/api-v2';
const STATE = 'Zq81xTstate-that-is-long-and-secret-ish';

/** A recorder with a clock the test moves, and the handler's wrapped fetch and log. */
function setup() {
  let clock = 1000;
  const recorder = createFlowRecorder({ now: () => clock });
  const lines = [];
  const log = recorder.log((line) => lines.push(line));
  const ceFetch = recorder.fetch(async (input) => {
    clock += 40; // Cloud Elements takes 40 ms
    return new Response('{}', { status: String(input).includes('wrong') ? 401 : 200 });
  }, BASE);
  const seen = { session: 's1', owner: 'alice' };
  return { recorder, log, ceFetch, seen, tick: (ms) => (clock += ms) };
}

describe("the demo's flow recorder", () => {
  it(
    'times each step; a callback with an expired state stops at consent, on the backend lane',
    HANG_BOUND,
    async () => {
      const { recorder, log, ceFetch, seen, tick } = setup();
      const updates = [];
      recorder.subscribe('s1', (view) => updates.push(view.steps.map((s) => s.status).join(',')));
      await recorder.observe(new Request('http://app/api/ce/sfdc/oauth/url?name=x'), seen, async () => {
        await ceFetch(`${BASE}/elements/sfdc/oauth/url?apiSecret=TOPSECRET&state=${STATE}`, { method: 'GET' });
        log('ce-connect flow.started element=sfdc');
        return Response.json({ oauthUrl: 'https://provider/x', element: 'sfdc', state: STATE });
      });
      tick(2500); // the user on the consent page
      await recorder.observe(
        new Request(`http://app/api/ce/sfdc/oauth/callback?code=THECODE&state=${STATE}`),
        seen,
        async () => {
          log('ce-connect callback.rejected element=sfdc reason=expired');
          return new Response('page', { status: 400 });
        },
      );
      const view = recorder.latest('s1');
      assert.deepEqual(
        view.steps.map(({ id, status, ms, stop }) => [id, status, ms, stop]),
        [
          ['url', 'done', 40, undefined],
          ['consent', 'failed', 2500, 'backend'],
          ['instances', 'skipped', undefined, undefined],
        ],
      );
      assert.equal(view.steps[1].reason, 'The state check refused the result: expired.');
      assert.deepEqual(view.steps[0].calls, ['GET /elements/sfdc/oauth/url → 200']);
      assert.deepEqual(updates, ['running,pending,pending', 'done,running,pending', 'done,failed,skipped']);
      const text = JSON.stringify(view);
      for (const secret of ['TOPSECRET', 'THECODE', STATE]) assert.ok(!text.includes(secret), secret);
      assert.equal(view.state, 'Zq81xT…');
      assert.equal(recorder.latest('another-session'), null, "another browser's page sees nothing of it");
    },
  );

  it('a wrong key stops at step 1 on the Cloud Elements lane, with the status', HANG_BOUND, async () => {
    const { recorder, log, ceFetch, seen } = setup();
    await recorder.observe(new Request('http://app/api/ce/wrong/oauth/url'), seen, async () => {
      await ceFetch(`${BASE}/elements/wrong/oauth/url`, { method: 'POST' });
      log('ce-connect cloud-elements.failed call=oauth-url failure=error-status status=401');
      return Response.json({ message: 'Cloud Elements refused' }, { status: 502 });
    });
    const [url, consent] = recorder.latest('s1').steps;
    assert.equal(url.status, 'failed');
    assert.equal(url.stop, 'ce');
    assert.equal(url.reason, 'Cloud Elements failed on oauth-url: error-status 401 (a wrong key or secret?).');
    assert.equal(consent.status, 'skipped');
  });

  it(
    "the consent page's request gives its flow consentAt once, on the wall clock; others change nothing",
    HANG_BOUND,
    async () => {
      let wall = 1_700_000_000_000;
      const recorder = createFlowRecorder({ now: () => 0, wallClock: () => wall });
      const updates = [];
      recorder.subscribe('s1', (view) => updates.push(view));
      await recorder.observe(new Request('http://app/api/ce/sfdc/oauth/url'), { session: 's1', owner: 'alice' }, () =>
        Response.json({ oauthUrl: 'https://provider/x', element: 'sfdc', state: STATE }),
      );
      assert.equal(recorder.latest('s1').askedAt, 1_700_000_000_000);
      assert.equal(recorder.latest('s1').consentAt, undefined);
      const seen = updates.length;
      recorder.consentPage(new URL('http://sandbox/oauth/sfdc/authorize?state=another-state'));
      assert.equal(updates.length, seen, 'a state of no flow changes nothing');
      wall += 38;
      recorder.consentPage(new URL(`http://sandbox/oauth/sfdc/authorize?state=${STATE}`));
      wall += 500;
      recorder.consentPage(new URL(`http://sandbox/oauth/sfdc/authorize?state=${STATE}`)); // a reload of the page
      assert.equal(updates.length, seen + 1);
      assert.equal(updates.at(-1).consentAt, 1_700_000_000_038);
      assert.ok(!JSON.stringify(updates.at(-1)).includes(STATE));
    },
  );
});
