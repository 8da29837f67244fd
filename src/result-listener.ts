import { isPopupOpen } from './popup.js';
import { channelName, parseCallbackMessage, type CallbackMessage } from './protocol.js';

/**
 * Listens for the callback page's message on `window` (postMessage from the popup) and on the flow's
 * BroadcastChannel (which still works when Cross-Origin-Opener-Policy severed the opener), and hands the
 * first valid one to `onResult`. A message counts only with the exact `callbackOrigin`, from `popup` while
 * its handle is alive, of the exact shape, and for `state`; anything else is ignored silently. The listener and
 * the channel go on the first result (before `onResult`) or when `signal` aborts.
 */
export function listenForResult(
  popup: Window,
  callbackOrigin: string,
  state: string,
  onResult: (message: CallbackMessage) => void,
  signal: AbortSignal,
): void {
  let channel: BroadcastChannel | undefined;
  const accept = (event: MessageEvent) => {
    const message = parseCallbackMessage(event.data);
    if (message?.state === state) {
      stop();
      onResult(message);
    }
  };
  const onWindowMessage = (event: MessageEvent) => {
    // Once COOP severed the handle, the unguessable state alone ties a message to this flow.
    if (event.origin === callbackOrigin && (event.source === popup || !isPopupOpen(popup))) accept(event);
  };
  const stop = () => {
    removeEventListener('message', onWindowMessage);
    channel?.close();
  };
  addEventListener('message', onWindowMessage);
  // A BroadcastChannel reaches same-origin pages only: useful only when the callback page shares our origin.
  if (callbackOrigin === location.origin) {
    try {
      channel = new BroadcastChannel(channelName(state));
      channel.onmessage = accept;
    } catch {
      // No BroadcastChannel (old browser, storage disabled): the opener path still works.
    }
  }
  signal.addEventListener('abort', stop);
}
