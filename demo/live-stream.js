// The page's end of the live feed (demo/live-feed.mjs): the signed-in user's items — events from their connections,
// delivery attempts, instances made through a connect link — from GET /demo-api/feed on load and from the
// Server-Sent Events of GET /demo/live-events while something is awaited (a change being delivered, a link not yet
// used). The stream is closed otherwise, so an idle page holds no open request.

/**
 * Creates the stream. `onItem(item)` gets each item once (by its `seq`). `hold(reason)` keeps the stream open
 * until `release(reason)`; `reset()` forgets the items seen (another demo user signed in) and reloads them.
 */
export function createLiveStream({ onItem }) {
  const seen = new Set();
  const holds = new Set();
  let source;
  let opened;

  const take = (item) => {
    if (!item || seen.has(item.seq)) return;
    seen.add(item.seq);
    onItem(item);
  };

  async function load() {
    try {
      const { items } = await (await fetch('/demo-api/feed')).json();
      for (const item of items ?? []) take(item);
    } catch {
      // The feed is a nicety: the page works without it.
    }
  }

  function open() {
    if (source) return opened;
    source = new EventSource('/demo/live-events');
    source.addEventListener('feed', (event) => take(JSON.parse(event.data)));
    // Items pushed before the stream opened are in the kept feed: read it once the stream is open.
    opened = new Promise((resolve) => source.addEventListener('open', () => load().then(resolve), { once: true }));
    return opened;
  }

  function close() {
    source?.close();
    source = undefined;
  }

  return {
    load,
    /** Keeps the stream open for `reason` (resolves once it is open). */
    hold(reason) {
      holds.add(reason);
      return open();
    },
    release(reason) {
      holds.delete(reason);
      if (holds.size === 0) close();
    },
    async reset() {
      close();
      holds.clear();
      seen.clear();
      await load();
    },
  };
}
