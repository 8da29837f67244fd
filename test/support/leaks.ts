/**
 * Counts what the widget's own code (anything loaded from /src/) holds open: `message` listeners on
 * window, intervals, pending timeouts and open BroadcastChannels. Spies only: every call still goes through.
 */
export function trackResources() {
  // Served by the test runner at http://host:port/src/…; dependencies' own src/ folders are under /node_modules/.
  const fromWidget = () => /:\d+\/src\//.test(new Error().stack ?? '');
  const listeners = new Set<unknown>();
  const intervals = new Set<unknown>();
  const timeouts = new Set<unknown>();
  const channels = new Set<BroadcastChannel>();
  const original = {
    add: window.addEventListener,
    remove: window.removeEventListener,
    setInterval: window.setInterval,
    clearInterval: window.clearInterval,
    setTimeout: window.setTimeout,
    clearTimeout: window.clearTimeout,
    BroadcastChannel: window.BroadcastChannel,
  };
  window.addEventListener = function (
    this: Window,
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: unknown,
  ) {
    if (type === 'message' && fromWidget()) listeners.add(listener);
    return original.add.call(this, type, listener!, options as AddEventListenerOptions);
  } as typeof window.addEventListener;
  window.removeEventListener = function (
    this: Window,
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: unknown,
  ) {
    if (type === 'message') listeners.delete(listener);
    return original.remove.call(this, type, listener!, options as EventListenerOptions);
  } as typeof window.removeEventListener;
  window.setInterval = ((handler: () => void, ms?: number) => {
    const id = original.setInterval.call(window, handler, ms);
    if (fromWidget()) intervals.add(id);
    return id;
  }) as typeof window.setInterval;
  window.clearInterval = ((id?: number) => {
    intervals.delete(id);
    original.clearInterval.call(window, id);
  }) as typeof window.clearInterval;
  window.setTimeout = ((handler: () => void, ms?: number) => {
    const tracked = fromWidget();
    const id: number = original.setTimeout.call(
      window,
      () => {
        timeouts.delete(id);
        handler();
      },
      ms,
    ) as unknown as number;
    if (tracked) timeouts.add(id);
    return id;
  }) as typeof window.setTimeout;
  window.clearTimeout = ((id?: number) => {
    timeouts.delete(id);
    original.clearTimeout.call(window, id);
  }) as typeof window.clearTimeout;
  window.BroadcastChannel = class extends original.BroadcastChannel {
    constructor(name: string) {
      super(name);
      channels.add(this);
    }
    override close() {
      channels.delete(this);
      super.close();
    }
  };
  return {
    /** What is still held: all zeros once a flow has released everything. */
    held: () => ({
      listeners: listeners.size,
      intervals: intervals.size,
      timeouts: timeouts.size,
      channels: channels.size,
    }),
    restore() {
      Object.assign(window, {
        addEventListener: original.add,
        removeEventListener: original.remove,
        setInterval: original.setInterval,
        clearInterval: original.clearInterval,
        setTimeout: original.setTimeout,
        clearTimeout: original.clearTimeout,
        BroadcastChannel: original.BroadcastChannel,
      });
    },
  };
}

/**
 * Tracks the widget's resources around every test of the calling `describe` (it registers the mocha hooks):
 * `held()` counts what the running test's widgets hold now.
 */
export function resourcesOfEachTest(): { held(): ReturnType<ReturnType<typeof trackResources>['held']> } {
  let resources: ReturnType<typeof trackResources> | undefined;
  beforeEach(() => {
    resources = trackResources();
  });
  afterEach(() => {
    resources!.restore();
  });
  return { held: () => resources!.held() };
}
