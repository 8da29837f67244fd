// What the demo tells a signed-in user's pages as it happens, besides the flow picture: the events their
// connections send, the delivery attempts behind them, and instances made without the page (a connect link used
// elsewhere). Kept per demo user (the owner of the instances), the newest few, and pushed by Server-Sent Events.

const KEPT_ITEMS = 40;
const KEPT_USERS = 100;

/** Creates the feed. `now()` gives epoch milliseconds (tests may inject a clock). */
export function createLiveFeed({ now = () => Date.now() } = {}) {
  const items = new Map(); // user → newest items, oldest first
  const listeners = new Map(); // user → Set of send(item)
  let sequence = 0;

  return {
    /** Adds an item for `user` (`kind` and its fields) and tells that user's open pages. */
    push(user, item) {
      if (!user) return;
      const entry = { seq: ++sequence, at: now(), ...item };
      const list = items.get(user) ?? [];
      items.delete(user); // re-inserted last, so the user quiet the longest is the first forgotten
      items.set(user, [...list, entry].slice(-KEPT_ITEMS));
      if (items.size > KEPT_USERS) items.delete(items.keys().next().value);
      for (const send of listeners.get(user) ?? []) send(entry);
    },
    /** The kept items of `user`, oldest first. */
    recent: (user) => [...(items.get(user) ?? [])],
    /** Calls `send(item)` for each new item of `user`; returns the unsubscribe function. */
    subscribe(user, send) {
      if (!listeners.has(user)) listeners.set(user, new Set());
      listeners.get(user).add(send);
      return () => {
        listeners.get(user)?.delete(send);
        if (listeners.get(user)?.size === 0) listeners.delete(user);
      };
    },
  };
}
