/**
 * The callback message (docs/protocol.md §5): the only contract between the callback page and the widget.
 * Shared by callback.ts (which sends it) and result-listener.ts (which accepts it).
 */
import {
  CODE_PATTERN,
  DISPLAY_TEXT_PATTERN,
  ERROR_CODE_PATTERN,
  RESULT_INSTANCE_ID_PATTERN,
  STATE_PATTERN,
} from './protocol-rules.js';
import { isProviderData } from './provider-answer.js';

/** The `type` every callback message carries. */
export const MESSAGE_TYPE = 'ce-connect:callback';

/** The message as sent by the callback page. */
export interface CallbackMessage {
  type: typeof MESSAGE_TYPE;
  v: 1;
  state: string;
  instanceId?: string;
  name?: string;
  code?: string;
  /** Flow 4b: every other callback parameter (QuickBooks `realmId`, …), for `POST {api-base}/instances`. */
  providerData?: Record<string, string>;
  error?: string;
  errorDescription?: string;
}

/** The BroadcastChannel a flow listens on; unguessable because the state is. */
export function channelName(state: string): string {
  return 'ce-connect:' + state;
}

// Each optional field: its pattern, the same the server applies (protocol-rules.ts). Names and descriptions are
// display text. Anything else makes the message invalid.
const FIELD_PATTERNS: Record<string, RegExp> = {
  state: STATE_PATTERN,
  instanceId: RESULT_INSTANCE_ID_PATTERN,
  name: DISPLAY_TEXT_PATTERN,
  code: CODE_PATTERN,
  error: ERROR_CODE_PATTERN,
  errorDescription: DISPLAY_TEXT_PATTERN,
};

// The three shapes a message may take: which optional fields each allows, the first one required.
const SHAPES: ReadonlyArray<readonly string[]> = [
  ['instanceId', 'name'],
  ['code', 'providerData'],
  ['error', 'errorDescription'],
];

/**
 * Returns a fresh copy of `data` when it is exactly a callback message (no extra keys, right types,
 * bounded lengths, one of the three shapes), else `null`. Never throws. The copy has no prototype, so a field
 * it lacks reads as `undefined` even on a page whose `Object.prototype` was polluted.
 */
export function parseCallbackMessage(data: unknown): CallbackMessage | null {
  try {
    // A plain object only (null throws here; arrays, class instances and primitives have another prototype).
    if (Object.getPrototypeOf(data) !== Object.prototype) return null;
    // Own properties only: an inherited (polluted) field is not part of the message. `state` stays third.
    const { type, v, ...fields }: Record<string, unknown> = { type: 0, v: 0, state: 0, ...(data as object) };
    const keys = Object.keys(fields);
    const shape = SHAPES.find(([first]) => keys.includes(first));
    // Every field belongs to the shape (`state` to all of them) and has its type and pattern.
    const valid = (key: string, value = fields[key]) =>
      (key === 'state' || shape!.includes(key)) &&
      (key === 'providerData'
        ? Object.getPrototypeOf(value) === Object.prototype && isProviderData(value)
        : typeof value == 'string' && FIELD_PATTERNS[key].test(value));
    return type === MESSAGE_TYPE && v === 1 && shape && keys.every((key) => valid(key))
      ? Object.assign(Object.create(null) as CallbackMessage, { type, v }, fields)
      : null;
  } catch {
    // A hostile object (a throwing getter, a revoked proxy) is simply not a message.
    return null;
  }
}

/**
 * Redirect mode (docs/protocol.md §13): the `sessionStorage` key under which the element records the flow it
 * leaves the page for, as JSON `{state, element, instance?, returnUrl, startedAt}`. One record per tab.
 */
export const PENDING_KEY = 'ce-connect:pending';

/**
 * Redirect mode, flow 4b: the `sessionStorage` key under which the callback page leaves the callback message for the
 * return page (same tab, same origin), which takes it once. A code never travels in a URL of the app page.
 */
export const RESULT_KEY = 'ce-connect:result';

/**
 * What starts the fragment a redirect-mode result comes back in: `#ce-connect=` + base64url(UTF-8 JSON) from the
 * server (flow 4a: an Instance ID or an error, never a code), or nothing after it from the callback script (flow 4b:
 * the message is under {@link RESULT_KEY}).
 */
export const FRAGMENT_PREFIX = '#ce-connect=';

/**
 * The fragment that carries a result back to the return URL: the callback message's fields without `type` and
 * `v` (`{state, instanceId, name?}` or `{state, error, errorDescription?}`) as base64url of their UTF-8 JSON,
 * without padding. Used by the server (flow 4a); decoded by {@link decodeReturnFragment}.
 */
export function encodeReturnFragment(fields: Record<string, string>): string {
  const bytes = new TextEncoder().encode(JSON.stringify(fields));
  const base64 = btoa(String.fromCharCode(...bytes));
  return FRAGMENT_PREFIX + base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * The callback message a return fragment carries (what follows {@link FRAGMENT_PREFIX}), checked as every callback
 * message is; `null` for anything else (not base64url, not UTF-8 JSON, not a message). Never throws.
 */
export function decodeReturnFragment(text: string): CallbackMessage | null {
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    const json = new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
    return parseCallbackMessage({ ...JSON.parse(json), type: MESSAGE_TYPE, v: 1 });
  } catch {
    return null;
  }
}
