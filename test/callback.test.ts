import { expect } from '@open-wc/testing';
import { FRAGMENT_PREFIX, PENDING_KEY, RESULT_KEY } from '../src/protocol.js';
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
  channel.onmessage = (event) =>
    received.push({ via: 'channel', data: event.data, origin: event.origin, source: null });
  try {
    popup = (await clickToCall(() => window.open(url, `cb${Math.random()}`, 'popup'))).result;
    expect(popup, 'popup').to.not.equal(null);
    await waitUntil(() => report, 'the callback page reports what it did');
    const { channelPosts } = report!;
    await waitUntil(
      () => received.filter((m) => m.via === 'channel').length >= channelPosts,
      'the channel messages arrive',
    );
    await waitUntil(() => popup!.closed, 'the callback page closes itself');
  } finally {
    window.removeEventListener('message', onMessage);
    channel.close();
  }
  const { search, hash, text } = report!;
  const messages = received.map(({ source, ...message }) => ({
    ...message,
    fromPopup: source !== null && source === popup,
  }));
  return { messages, seen: { search, hash, text } };
}

describe('the callback page script (ce-connect/callback)', () => {
  it('flow 4b: posts {state, code} to the opener (own origin) and on the BroadcastChannel, strips the URL, shows a neutral text, closes', async () => {
    const { messages, seen } = await openCallback(`/test/fixtures/callback.html?code=the-code&state=${STATE}&extra=1`);
    const expected = {
      type: 'ce-connect:callback',
      v: 1,
      state: STATE,
      code: 'the-code',
      providerData: { extra: '1' },
    };
    expect(messages).to.deep.include({ via: 'postMessage', data: expected, origin: location.origin, fromPopup: true });
    expect(messages.map((m) => m.via).sort()).to.deep.equal(['channel', 'postMessage']);
    expect(messages.find((m) => m.via === 'channel')!.data).to.deep.equal(expected);
    expect(seen).to.deep.equal({ search: '', hash: '', text: 'You can close this window.' });
  });

  it('flow 4b: a provider error is relayed with its description', async () => {
    const { messages } = await openCallback(
      `/test/fixtures/callback.html?error=access_denied&error_description=No%20thanks&state=${STATE}`,
    );
    expect(messages[0].data).to.deep.equal({
      type: 'ce-connect:callback',
      v: 1,
      state: STATE,
      error: 'access_denied',
      errorDescription: 'No thanks',
    });
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
    const { messages } = await openCallback(
      `/test/fixtures/callback.html?error=access_denied&error_description=line1%0D%0Aline2&state=${STATE}`,
    );
    expect(messages[0].data).to.deep.equal({
      type: 'ce-connect:callback',
      v: 1,
      state: STATE,
      error: 'access_denied',
      errorDescription: 'line1 line2',
    });
    const long = await openCallback(
      `/test/fixtures/callback.html?error=access_denied&error_description=${'d'.repeat(3000)}&state=${STATE}`,
    );
    const data = long.messages[0].data as { error: string; errorDescription: string };
    expect(data.error).to.equal('access_denied');
    expect(data.errorDescription.length).to.equal(256);
  });

  it('flow 4b: a malformed code or error code becomes invalid_request', async () => {
    for (const query of [
      `code=a%00b&state=${STATE}`,
      `code=${'c'.repeat(5000)}&state=${STATE}`,
      `error=%E2%9C%97&state=${STATE}`,
    ]) {
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
      expect(data).to.deep.equal({
        type: 'ce-connect:callback',
        v: 1,
        state: STATE,
        instanceId: '77',
        name: 'Acme <b>Salesforce</b>',
      });
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

/** Where record-sent.js counts the callback page's channel posts, readable after the page has navigated away. */
const POSTS_KEY = 'ce-connect-test:channel-posts';
const RETURN_PAGE = new URL('/test/fixtures/return-page.html?tab=crm', location.href).href;

/**
 * Loads `url` in a same-origin iframe — a page without an opener, sharing this tab's sessionStorage, as the tab
 * of a redirect-mode flow is — with `record` as the pending record, and reports every document the frame loaded
 * and every channel message. `until` says when the frame is done: it went back to the return page, or it did what
 * the callback script does without a record (the channel message, posted after the decision not to go back).
 */
async function loadInFrame(url: string, record: unknown, until: 'returned' | 'posted') {
  if (record !== undefined)
    sessionStorage.setItem(PENDING_KEY, typeof record === 'string' ? record : JSON.stringify(record));
  sessionStorage.removeItem(POSTS_KEY);
  const channelMessages: unknown[] = [];
  const channel = new BroadcastChannel(`ce-connect:${STATE}`);
  channel.onmessage = (event) => channelMessages.push(event.data);
  const frame = document.createElement('iframe');
  const loaded: string[] = [];
  frame.addEventListener('load', () => loaded.push(frame.contentWindow!.location.href));
  frame.src = url;
  try {
    document.body.append(frame);
    if (until === 'returned') {
      await waitUntil(
        () => loaded.some((href) => href.startsWith(RETURN_PAGE)),
        'the frame goes back to the return page',
      );
    } else {
      await waitUntil(
        () => channelMessages.length > 0 && loaded.length > 0,
        'the callback page posts and finishes loading',
      );
    }
    return {
      loaded,
      channelMessages,
      channelPosts: Number(sessionStorage.getItem(POSTS_KEY) ?? 0),
      recordKept: sessionStorage.getItem(PENDING_KEY),
      /** What the callback page left for the return page (flow 4b: never in a URL). */
      result: JSON.parse(sessionStorage.getItem(RESULT_KEY) ?? 'null') as Record<string, unknown> | null,
    };
  } finally {
    channel.close();
    frame.remove();
    sessionStorage.removeItem(RESULT_KEY);
    sessionStorage.removeItem(PENDING_KEY);
    sessionStorage.removeItem(POSTS_KEY);
  }
}

describe('the callback page script in redirect mode (no opener, a pending record in sessionStorage)', () => {
  const record = { state: STATE, element: 'hubspot', returnUrl: RETURN_PAGE, startedAt: Date.now() };

  it('flow 4b: a record of this state → back to the return URL with a bare marker, {state, code} in sessionStorage; no post; the record kept', async () => {
    const seen = await loadInFrame(
      `/test/fixtures/callback.html?code=the-code&state=${STATE}&realmId=42`,
      record,
      'returned',
    );
    const back = new URL(seen.loaded.at(-1)!);
    expect(back.origin + back.pathname + back.search).to.equal(RETURN_PAGE);
    expect(back.hash).to.equal(FRAGMENT_PREFIX);
    expect(seen.result).to.deep.equal({
      type: 'ce-connect:callback',
      v: 1,
      state: STATE,
      code: 'the-code',
      providerData: { realmId: '42' },
    });
    expect(seen.loaded.join(' ')).not.to.contain('the-code');
    expect(seen.loaded.join(' ')).not.to.contain('code=');
    expect(seen.channelPosts).to.equal(0);
    expect(seen.channelMessages).to.deep.equal([]);
    expect(JSON.parse(seen.recordKept!)).to.deep.equal(
      record,
      'the element, not the callback page, deletes the record',
    );
  });

  it('flow 4b: a provider error goes back normalised like a message, {state, error, errorDescription}', async () => {
    const query = `error=access_denied&error_description=line1%0D%0Aline2&state=${STATE}`;
    const seen = await loadInFrame(`/test/fixtures/callback.html?${query}`, record, 'returned');
    expect(seen.result).to.deep.include({ state: STATE, error: 'access_denied', errorDescription: 'line1 line2' });
  });

  it('a return URL with a fragment of its own goes back without it', async () => {
    const seen = await loadInFrame(
      `/test/fixtures/callback.html?code=c&state=${STATE}`,
      { ...record, returnUrl: `${RETURN_PAGE}#section` },
      'returned',
    );
    const back = new URL(seen.loaded.at(-1)!);
    expect(back.origin + back.pathname + back.search).to.equal(RETURN_PAGE);
    expect(back.hash).to.equal(FRAGMENT_PREFIX);
    expect(seen.result).to.deep.include({ state: STATE, code: 'c' });
  });

  it('a page with an embedded result (a flow-4a page the server could not redirect, e.g. 401) goes back with it', async () => {
    const seen = await loadInFrame(`/test/fixtures/callback-4a.html?code=leak&state=${STATE}`, record, 'returned');
    expect(seen.result).to.deep.include({ state: STATE, instanceId: '77', name: 'Acme <b>Salesforce</b>' });
  });

  it('goes back with location.replace(), after the history.replaceState that strips the URL: no history entry holds the code', async () => {
    // A navigation during load replaces the entry in today's browsers anyway, so a browser test cannot tell
    // replace() from assign(); the source can.
    const source = await (await fetch('/src/callback.ts')).text();
    expect(source).to.match(/location\.replace\(/);
    expect(source).not.to.match(/location\.assign\(|location\.href\s*=|pushState/);
    expect(source.indexOf('history.replaceState(')).to.be.lessThan(source.indexOf('location.replace('));
  });

  const otherOrigin = RETURN_PAGE.replace('//127.0.0.1:', '//localhost:');
  for (const [what, stored] of [
    ['no record', undefined],
    ['a record of another state', { ...record, state: 'T'.repeat(43) }],
    ['a record whose return URL is on another origin', { ...record, returnUrl: otherOrigin }],
    ['a record whose return URL is javascript:', { ...record, returnUrl: 'javascript:alert(1)' }],
    ['a record whose return URL is relative', { ...record, returnUrl: '/test/fixtures/return-page.html' }],
    ['a record without a state', { returnUrl: RETURN_PAGE }],
    ['a record that is not JSON', '{"state":'],
  ] as const) {
    it(`${what} → no navigation: today's behaviour (the channel message), the URL stripped`, async () => {
      const seen = await loadInFrame(`/test/fixtures/callback.html?code=the-code&state=${STATE}`, stored, 'posted');
      expect(seen.channelMessages).to.deep.equal([
        { type: 'ce-connect:callback', v: 1, state: STATE, code: 'the-code' },
      ]);
      expect(seen.loaded).to.have.length(1);
      const page = new URL(seen.loaded[0]!);
      expect(page.pathname).to.equal('/test/fixtures/callback.html');
      expect(page.search + page.hash).to.equal('');
    });
  }
});
