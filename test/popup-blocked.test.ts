// Its own file, so the page has never seen a user gesture (Chromium keeps an activation for seconds).
import { expect } from '@open-wc/testing';
import { ConnectError } from '../src/index.js';
import { backendStats, mountButton } from './support/backend.js';
import { nextOutcome } from './support/helpers.js';

describe("popup blocked (the browser's real popup blocker)", () => {
  it('a click without a user gesture: connect-error popup-blocked, and no backend request', async () => {
    expect(navigator.userActivation?.isActive ?? false).to.equal(false);
    const { el, id } = await mountButton('allow');
    const outcome = nextOutcome(el);
    el.shadowRoot!.querySelector('button')!.click(); // synthetic: no user activation
    const event = await outcome;
    expect(event.type).to.equal('connect-error');
    expect(event.detail.code).to.equal('popup-blocked');
    expect((await backendStats(id)).oauthUrl).to.equal(0);
    expect(el.status).to.equal('error');
    expect(el.shadowRoot!.querySelector('button')!.disabled).to.equal(false);
  });

  it('connect() outside a gesture rejects with a ConnectError popup-blocked', async () => {
    const { el } = await mountButton('allow');
    const error = await el.connect().catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ConnectError);
    expect((error as ConnectError).code).to.equal('popup-blocked');
  });
});
