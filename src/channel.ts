import { isPopupOpen } from './popup.js';
import { channelName, parseCallbackMessage, type CallbackMessage } from './protocol.js';

/** Where a flow expects its one result from. */
export interface ResultSource {
  /** The flow's popup: while its handle is alive, only messages from it count. */
  popup: Window;
  /** The exact origin of the callback page. */
  callbackOrigin: string;
  /** The flow's state; a message for any other state is ignored. */
  state: string;
}

/**
 * Listens for the callback page's message on `window` (postMessage from the popup) and on the flow's
 * BroadcastChannel (which still works when Cross-Origin-Opener-Policy severed the opener), and calls
 * `onResult` with the first valid one. Anything that fails a check is ignored silently: the flow keeps
 * waiting. Every listener and the channel are released on the first result or when `signal` aborts.
 */
export function listenForResult(source: ResultSource, onResult: (message: CallbackMessage) => void, signal: AbortSignal): void {
  const { popup, callbackOrigin, state } = source;
  let channel: BroadcastChannel | undefined;

  const accept = (data: unknown) => {
    const message = parseCallbackMessage(data);
    if (!message || message.state !== state) return;
    release();
    onResult(message);
  };

  const onWindowMessage = (event: MessageEvent) => {
    if (event.origin !== callbackOrigin) return;
    // While the handle is alive the sender must be our popup; once COOP severed it, the unguessable
    // state is what ties the message to this flow.
    if (isPopupOpen(popup) && event.source !== popup) return;
    accept(event.data);
  };

  const onChannelMessage = (event: MessageEvent) => {
    if (event.origin && event.origin !== callbackOrigin) return;
    accept(event.data);
  };

  const release = () => {
    window.removeEventListener('message', onWindowMessage);
    if (channel) {
      channel.removeEventListener('message', onChannelMessage);
      channel.close();
      channel = undefined;
    }
    signal.removeEventListener('abort', release);
  };

  if (signal.aborted) return;
  window.addEventListener('message', onWindowMessage);
  // A BroadcastChannel only reaches same-origin pages: useful only when the callback page shares our origin.
  if (typeof BroadcastChannel === 'function' && callbackOrigin === location.origin) {
    try {
      channel = new BroadcastChannel(channelName(state));
      channel.addEventListener('message', onChannelMessage);
    } catch {
      channel = undefined; // storage disabled or partitioned away: the opener path still works
    }
  }
  signal.addEventListener('abort', release);
}
