/**
 * The callback page script (docs/protocol.md §5). Load it with `<script type="module" src="…">` on the page the
 * provider (flow 4b) or the host backend (flow 4a) sends the popup to. It needs no inline script.
 *
 * - Flow 4a: the backend embeds the result as `<script type="application/json" id="ce-connect-result">`
 *   `{"state", "instanceId", "name"?}` or `{"state", "error", "errorDescription"?}`.
 * - Flow 4b: the result is read from the query: `code` & `state` (every other parameter as `providerData`), or
 *   `error`, `error_description` & `state` (src/provider-answer.ts).
 *
 * Optional `<meta name="ce-connect-target-origin" content="https://app.example.com">` names the opener's
 * origin when it differs from this page's. The script has no `message` listener and never uses `window.name`.
 *
 * Redirect mode (docs/protocol.md §13): when this tab's pending record is this result's flow, the result is left
 * in this tab's sessionStorage for the return page ({@link RESULT_KEY}) and the tab goes back to the record's return
 * URL with a bare `#ce-connect=` marker (no message, no close): a code never appears in a URL of the app page.
 */
import {
  FRAGMENT_PREFIX,
  MESSAGE_TYPE,
  PENDING_KEY,
  RESULT_KEY,
  channelName,
  parseCallbackMessage,
  type CallbackMessage,
} from './protocol.js';
import { toDisplayText } from './protocol-rules.js';
import { readProviderAnswer } from './provider-answer.js';

type Result = Omit<CallbackMessage, 'type' | 'v'>;

const RESULT_ID = 'ce-connect-result';
const STATUS_ID = 'ce-connect-status';

/**
 * Flow 4a: the result the server embedded in the page. `undefined` when the page has no such block (flow 4b);
 * `null` when it has one without a result — then the query is never read, so a code in it is never posted.
 */
function embeddedResult(): Result | null | undefined {
  // `type` of anything but a script element is undefined: only a JSON data block counts.
  const block = document.getElementById(RESULT_ID) as HTMLScriptElement | null;
  if (block?.type !== 'application/json') return undefined;
  try {
    // Never a code from here: the fields of flow 4a only, checked and normalised as the query's are (toMessage).
    const { code, providerData, ...result } = JSON.parse(block.text) as Result;
    return result.state ? result : null;
  } catch {
    return null;
  }
}

/** Flow 4b: the provider's answer in the query (src/provider-answer.ts, where a repeated `state` is an invalid request). */
function queryResult(query: URLSearchParams): Result | undefined {
  const states = query.getAll('state');
  const state = states[0];
  // Two different states cannot be attributed to one flow: stay silent, the widget times out.
  if (!state || states.some((value) => value !== state)) return undefined;
  // `{code, providerData?}` or `{error}`, and the description under the message's name for it.
  const { kind, description, ...answer } = readProviderAnswer(query) as { kind: string; description: string };
  return { state, ...answer, ...(description && { errorDescription: description }) };
}

/** The origin to post to: this page's, or the configured one — never a wildcard; `undefined` fails closed. */
function targetOrigin(): string | undefined {
  const configured = document.querySelector<HTMLMetaElement>('meta[name="ce-connect-target-origin"]')?.content;
  try {
    // An http(s) origin exactly as the URL parser writes it: a scheme, a host and a port, nothing else.
    return configured === undefined
      ? location.origin
      : /^https?:/.test(configured) && new URL(configured).origin === configured
        ? configured
        : undefined;
  } catch {
    return undefined;
  }
}

function showStatus(text: string): void {
  (
    document.getElementById(STATUS_ID) ??
    document.body.appendChild(Object.assign(document.createElement('p'), { id: STATUS_ID }))
  ).textContent = text;
}

/**
 * The message to send: exactly what the widget accepts. A provider's value the widget would refuse (a
 * description with line breaks or too long, an odd error code, a malformed code) is normalised into an error
 * it does accept, so the user's Deny is reported as such instead of the flow silently running into a timeout.
 */
function toMessage(result: Result): CallbackMessage | null {
  const { state, instanceId, error } = result;
  const message = (fields: object) => parseCallbackMessage({ type: MESSAGE_TYPE, v: 1, state, ...fields });
  const name = toDisplayText(result.name);
  const description = toDisplayText(result.errorDescription);
  const withDescription = (code: unknown) =>
    message({ error: code, ...(description && { errorDescription: description }) });
  return (
    message(result) ??
    // An instance whose name the widget would refuse (control characters, too long) is still a success.
    (instanceId ? message({ instanceId, ...(name && { name }) }) : null) ??
    // An error code the widget would refuse (or none) is reported as `invalid_request`.
    withDescription(error) ??
    withDescription('invalid_request')
  );
}

function deliver(message: CallbackMessage, origin: string): void {
  try {
    const opener = window.opener as Window | null;
    if (opener && opener !== window) opener.postMessage(message, origin);
  } catch {
    // A severed or cross-origin-navigated opener: the BroadcastChannel below still carries the result.
  }
  // A BroadcastChannel reaches same-origin pages only, so it is used only when the opener shares our origin.
  if (origin === location.origin) {
    try {
      const channel = new BroadcastChannel(channelName(message.state));
      channel.postMessage(message);
      channel.close();
    } catch {
      // No BroadcastChannel (a ReferenceError lands here too) or storage disabled: the opener path is the only one.
    }
  }
}

/**
 * Redirect mode: the return URL of this tab's pending record when it is `state`'s flow and on this page's own
 * origin, without its fragment; else `undefined`. A callback page is http(s) (the provider redirects to it), so
 * the same origin is an http(s) URL: a `javascript:` or `data:` URL has an opaque origin and never matches. A
 * popup never matches either: the element writes a record only when it leaves its own page, and a popup's copy
 * of the opener's storage predates its flow's state.
 */
function returnUrl(state: string): string | undefined {
  try {
    const record = JSON.parse(sessionStorage.getItem(PENDING_KEY) as string) as {
      state?: unknown;
      returnUrl?: unknown;
    };
    const url = new URL(record.returnUrl as string);
    if (record.state === state && url.origin === location.origin) {
      url.hash = '';
      return url.href;
    }
  } catch {
    // No record, unreadable JSON or URL, or storage disabled: not a redirect-mode flow of this tab.
  }
  return undefined;
}

function run(): void {
  const query = new URLSearchParams(location.search);
  // First, on every branch: the code and state leave the address bar and the history entry (and the
  // fragment, which is never read: a response there means a response_type switch).
  history.replaceState(null, '', location.pathname);
  const embedded = embeddedResult();
  const result = embedded === undefined ? queryResult(query) : embedded;
  const origin = targetOrigin();
  const message = result && toMessage(result);
  const back = message && returnUrl(message.state);
  if (back) {
    try {
      // Same tab, same origin: the return page takes the result from there once (src/redirect.ts).
      sessionStorage.setItem(RESULT_KEY, JSON.stringify(message));
      // replace(): this page's history entry is overwritten, so Back never returns to the provider's redirect.
      return location.replace(back + FRAGMENT_PREFIX);
    } catch {
      // Storage full or refused: the result cannot travel without a URL, so it does not travel.
    }
  }
  if (message && origin) deliver(message, origin);
  showStatus((origin ? '' : 'This sign-in page is misconfigured. ') + 'You can close this window.');
  // A short delay lets the messages leave before the window goes away.
  setTimeout(close, 150);
}

// Server-side rendering imports every entry point in Node, where there is no page to act on (docs/frameworks.md, "Server-side rendering").
if (typeof document !== 'undefined') run();
