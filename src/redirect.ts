import {
  FRAGMENT_PREFIX,
  MESSAGE_TYPE,
  PENDING_KEY,
  RESULT_KEY,
  decodeReturnFragment,
  parseCallbackMessage,
  type CallbackMessage,
} from './protocol.js';

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
 * The result this page load came back with, taken at once (module evaluation, before any render): from the
 * fragment (flow 4a: an Instance ID or an error), which then leaves the address bar and the history entry, or, with
 * a bare marker, from this tab's sessionStorage (flow 4b: the code, which never is in a URL), which is emptied.
 * Read once, at load: a fragment set later (a link within the page) is never looked at. `null`: nothing usable.
 */
let returned: CallbackMessage | null | undefined;
if (typeof location == 'object' && location.hash.startsWith(FRAGMENT_PREFIX)) {
  const fragment = location.hash.slice(FRAGMENT_PREFIX.length);
  history.replaceState(history.state, '', location.href.split('#')[0]);
  returned = fragment ? decodeReturnFragment(fragment) : takeStoredResult();
}

/** Flow 4b: the callback message the callback page left in this tab's storage, removed as it is read. */
function takeStoredResult(): CallbackMessage | null {
  try {
    const stored = JSON.parse(sessionStorage.getItem(RESULT_KEY)!) as object;
    sessionStorage.removeItem(RESULT_KEY);
    return parseCallbackMessage({ ...stored, type: MESSAGE_TYPE, v: 1 });
  } catch {
    return null; // storage refused, or nothing (or no JSON) stored
  }
}

/**
 * How this page leaves for the provider, and how long after that it may still be here, visible, before the flow
 * counts as not having left (the user chose "Stay" at a `beforeunload` prompt, or the navigation was cancelled).
 * An object, so that a test can replace the navigation and shorten the wait.
 */
export const leaving = { _assign: (url: string) => location.assign(url), _stayGrace: 4000 };

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
    const message = returned;
    returned = undefined;
    if (message?.state !== record.state) return;
    recordRedirect();
    return message;
  } catch {
    // No record (null) or storage disabled: nothing came back for us.
  }
}
