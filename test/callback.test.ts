import { expect } from '@open-wc/testing';
import { clickToCall, waitUntil } from './support/helpers.js';

const STATE = 'S'.repeat(43);

/** What the fixture page reports about itself once the callback script ran (test/fixtures/report-seen.js). */
interface FixtureReport {
  search: string;
  hash: string;
  text: string;
  channelPosts: number;
}

/**
 * Opens `url` in a real popup (from a real click) and records what it posts, by postMessage and on the channel.
 * The page reports what it looked like (its URL and text, how many channel messages it sent) before it closes
 * itself; the report comes after the page's own postMessage, and the test then waits for the channel messages
 * the page says it sent.
 */
async function openCallback(url: string) {
  // The page may post before the click that opened it has returned here: sources are compared afterwards.
  const received: Array<{ via: string; data: unknown; origin: string; source: unknown }> = [];
  let popup: Window | null = null;
  let report: FixtureReport | undefined;
  const onMessage = (event: MessageEvent) => {
    if (event.data?.fixtureReport) report = event.data.fixtureReport;
    else received.push({ via: 'postMessage', data: event.data, origin: event.origin, source: event.source });
  };
  window.addEventListener('message', onMessage);
  const channel = new BroadcastChannel(`ce-connect:${STATE}`);
  channel.onmessage = (event) => received.push({ via: 'channel', data: event.data, origin: event.origin, source: null });
  try {
    popup = (await clickToCall(() => window.open(url, `cb${Math.random()}`, 'popup'))).result;
    expect(popup, 'popup').to.not.equal(null);
    await waitUntil(() => report, 'the callback page reports what it did');
    const { channelPosts } = report!;
    await waitUntil(() => received.filter((m) => m.via === 'channel').length >= channelPosts, 'the channel messages arrive');
    await waitUntil(() => popup!.closed, 'the callback page closes itself');
  } finally {
    window.removeEventListener('message', onMessage);
    channel.close();
  }
  const { search, hash, text } = report!;
  const messages = received.map(({ source, ...message }) => ({ ...message, fromPopup: source !== null && source === popup }));
  return { messages, seen: { search, hash, text } };
}

describe('the callback page script (ce-connect/callback)', () => {
  it('flow 4b: posts {state, code} to the opener (own origin) and on the BroadcastChannel, strips the URL, shows a neutral text, closes', async () => {
    const { messages, seen } = await openCallback(`/test/fixtures/callback.html?code=the-code&state=${STATE}&extra=1`);
    const expected = { type: 'ce-connect:callback', v: 1, state: STATE, code: 'the-code' };
    expect(messages).to.deep.include({ via: 'postMessage', data: expected, origin: location.origin, fromPopup: true });
    expect(messages.map((m) => m.via).sort()).to.deep.equal(['channel', 'postMessage']);
    expect(messages.find((m) => m.via === 'channel')!.data).to.deep.equal(expected);
    expect(seen).to.deep.equal({ search: '', hash: '', text: 'You can close this window.' });
  });

  it('flow 4b: a provider error is relayed with its description', async () => {
    const { messages } = await openCallback(`/test/fixtures/callback.html?error=access_denied&error_description=No%20thanks&state=${STATE}`);
    expect(messages[0].data).to.deep.equal({ type: 'ce-connect:callback', v: 1, state: STATE, error: 'access_denied', errorDescription: 'No thanks' });
  });

  for (const [query, what] of [
    [`code=a&code=b&state=${STATE}`, 'a duplicated code'],
    [`code=a&state=${STATE}&state=${STATE}`, 'a duplicated state'],
    [`code=a&error=access_denied&state=${STATE}`, 'both code and error'],
  ]) {
    it(`flow 4b: ${what} is an invalid_request, never a code`, async () => {
      const { messages } = await openCallback(`/test/fixtures/callback.html?${query}`);
      expect(messages.length).to.be.greaterThan(0);
      for (const { data } of messages) {
        expect(data).to.include({ error: 'invalid_request' });
        expect(data).not.to.have.property('code');
      }
    });
  }

  it('flow 4b: a description with line breaks, or too long, is normalised so a Deny still reads as a Deny', async () => {
    const { messages } = await openCallback(`/test/fixtures/callback.html?error=access_denied&error_description=line1%0D%0Aline2&state=${STATE}`);
    expect(messages[0].data).to.deep.equal({ type: 'ce-connect:callback', v: 1, state: STATE, error: 'access_denied', errorDescription: 'line1 line2' });
    const long = await openCallback(`/test/fixtures/callback.html?error=access_denied&error_description=${'d'.repeat(3000)}&state=${STATE}`);
    const data = long.messages[0].data as { error: string; errorDescription: string };
    expect(data.error).to.equal('access_denied');
    expect(data.errorDescription.length).to.equal(256);
  });

  it('flow 4b: a malformed code or error code becomes invalid_request', async () => {
    for (const query of [`code=a%00b&state=${STATE}`, `code=${'c'.repeat(5000)}&state=${STATE}`, `error=%E2%9C%97&state=${STATE}`]) {
      const { messages } = await openCallback(`/test/fixtures/callback.html?${query}`);
      expect(messages.length, query).to.equal(2);
      expect(messages[0].data).to.include({ error: 'invalid_request' });
      expect(messages[0].data).not.to.have.property('code');
    }
  });

  it('a response in the fragment is never used, and the fragment is wiped', async () => {
    const { messages, seen } = await openCallback(`/test/fixtures/callback.html#code=frag&state=${STATE}`);
    expect(messages).to.deep.equal([]);
    expect(seen.hash).to.equal('');
  });

  it('flow 4a: the embedded result is posted (never the code in the query)', async () => {
    const { messages, seen } = await openCallback(`/test/fixtures/callback-4a.html?code=leak&state=${STATE}`);
    expect(messages.length).to.equal(2);
    for (const { data } of messages) {
      expect(data).to.deep.equal({ type: 'ce-connect:callback', v: 1, state: STATE, instanceId: '77', name: 'Acme <b>Salesforce</b>' });
    }
    expect(seen.search).to.equal('');
  });

  it('flow 4a: an instance whose name has line breaks or is too long is still reported as connected', async () => {
    const { messages } = await openCallback(`/test/fixtures/callback-4a-longname.html?state=${STATE}`);
    const data = messages[0].data as { instanceId: string; name: string };
    expect(data.instanceId).to.equal('77');
    expect(data.name.startsWith('Line1 Line2 nnn')).to.equal(true);
    expect(data.name.length).to.equal(256);
  });

  it('flow 4a: an empty result block (unknown state) posts nothing, even with a code in the query', async () => {
    const { messages, seen } = await openCallback(`/test/fixtures/callback-4a-empty.html?code=leak&state=${STATE}`);
    expect(messages).to.deep.equal([]);
    expect(seen.text).to.equal('You can close this window.');
  });

  it('a wildcard target origin fails closed: nothing is posted', async () => {
    const { messages, seen } = await openCallback(`/test/fixtures/callback-wildcard.html?code=c&state=${STATE}`);
    expect(messages).to.deep.equal([]);
    expect(seen.text).to.contain('misconfigured');
  });

  it('the callback script never targets "*" and never listens for messages', async () => {
    const source = await (await fetch('/src/callback.ts')).text();
    expect(source).not.to.match(/postMessage\([^)]*['"]\*['"]/);
    expect(source).not.to.match(/addEventListener\(\s*['"]message['"]/);
    expect(source).not.to.match(/window\.name/);
  });
});
