import { FRAGMENT_PREFIX, MESSAGE_TYPE, PENDING_KEY, parseCallbackMessage, type CallbackMessage } from './protocol.js';

/** What a button records in `sessionStorage` (this tab only) before it leaves for the provider. */
export interface PendingRedirect {
  state: string;
  element: string;
  /** The instance a reconnect re-authorises. */
  instance?: string;
  returnUrl: string;
  startedAt: number;
}

/**
 * The result this page load came back with, taken from the address bar at once (module evaluation, before any
 * render), so a code or an Instance ID never stays in the address bar or in the history entry. Read once, at load:
 * a fragment set later (a link within the page) is never looked at.
 */
let returned: string | undefined;
if (typeof location == 'object' && location.hash.startsWith(FRAGMENT_PREFIX)) {
  returned = location.hash.slice(FRAGMENT_PREFIX.length);
  history.replaceState(history.state, '', location.href.split('#')[0]);
}

/** Records the flow this tab is about to leave for; `undefined` removes the record. */
export function recordRedirect(record?: PendingRedirect): void {
  if (record) sessionStorage.setItem(PENDING_KEY, JSON.stringify(record));
  else sessionStorage.removeItem(PENDING_KEY);
}

/**
 * The returned result for the button of `element` (and, for a reconnect, `instance`): only when this tab has a
 * pending record for that button, younger than `timeout`, whose state the result carries. Both are used up by
 * the first button they fit; a result with another state is ignored, and so is any fragment without a record.
 */
export function takeReturnedResult(element: string, instance: string, timeout: number): CallbackMessage | undefined {
  if (returned === undefined) return; // the common case, on every render: no storage read
  try {
    const record = JSON.parse(sessionStorage.getItem(PENDING_KEY)!) as PendingRedirect;
    if (!(Date.now() - record.startedAt < timeout)) return void recordRedirect();
    if (record.element !== element || (record.instance ?? '') !== instance) return;
    const json = new TextDecoder().decode(Uint8Array.from(atob(returned.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0)));
    returned = undefined;
    const message = parseCallbackMessage({ ...JSON.parse(json), type: MESSAGE_TYPE, v: 1 });
    if (message?.state !== record.state) return;
    recordRedirect();
    return message;
  } catch {
    // No record (null), storage disabled, or a fragment that is not base64url JSON: nothing came back for us.
  }
}
