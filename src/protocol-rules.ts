/**
 * The rules both ends of the protocol apply (docs/protocol.md): the widget before it sends or accepts anything,
 * the callback script, and ce-connect/server. One copy, so the browser never accepts what the server refuses
 * (a sign-in the user went through for nothing) and the server never hands the browser what it would refuse.
 * Imported by the browser bundles and by Node: nothing here may use the DOM or Node, and every export is one
 * expression the bundler can drop when unused.
 */

/** Element keys Cloud Elements accepts in a URL path segment (docs/protocol.md §3.1). */
export const ELEMENT_KEY_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/**
 * A state the backend generated: at least 22 base64url characters (≥ 128 bits), as the contract says, and at most
 * 512 (a bound, so nothing unbounded is carried or compared). The server's own states are 43.
 */
export const STATE_PATTERN = /^[\w-]{22,512}$/;

/** An instance id as text (a path segment, a query value, a message field): Cloud Elements' ids are numbers; a short token-like string is tolerated. */
export const INSTANCE_ID_PATTERN = /^[\w-]{1,64}$/;

/**
 * An Instance ID as the widget accepts it from any host backend (the contract only says a string): visible ASCII,
 * at most 128. Wider than {@link INSTANCE_ID_PATTERN} on purpose: a custom backend may name its instances its own
 * way, and the widget only shows and hands back the id (URL-encoded); ce-connect/server's ids always fit both.
 */
export const RESULT_INSTANCE_ID_PATTERN = /^[!-~]{1,128}$/;

/** An authorization code: 1–4096 visible ASCII characters (RFC 6749 VSCHAR without the space, which no provider's code contains). */
export const CODE_PATTERN = /^[!-~]{1,4096}$/;

/** A provider's OAuth error code (`access_denied`, `invalid_scope`, …); anything else is reported as `invalid_request`. */
export const ERROR_CODE_PATTERN = /^[\w.-]{1,64}$/;

/** Text that may be shown to the user as it is: what {@link toDisplayText} yields (names, error descriptions). */
export const DISPLAY_TEXT_PATTERN = /^[^\0-\x1f\x7f]{0,256}$/u;

/**
 * Text from the network made safe to show: one line without control characters, at most 256 characters, else
 * `undefined` (so callers fall back to a default).
 */
export function toDisplayText(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  const line = text.replace(/[\0-\x1f\x7f]+/g, ' ').trim();
  return line.length > 256 ? line.slice(0, 255) + '…' : line || undefined;
}

/**
 * Query parameters of a provider URL that carry a client secret (`secret`, `client_secret`, `clientSecret`,
 * `client-secret`, `api_secret`, …, any case): the server strips them, the widget refuses a URL that has one.
 */
export const SECRET_PARAMETER = /^((client|api)[_-]?)?secret$/i;

/** The longest provider URL the server hands out and the widget accepts. */
export const MAX_OAUTH_URL_LENGTH = 8192;

/** Host names that only ever reach this machine, where plain http is acceptable. */
export const LOOPBACK_HOST = /^(localhost|\[::1\]|127(\.\d{1,3}){3})$/;

/**
 * The instance-name rule, checked by the widget (`invalid-config` before any popup or request) and by the server:
 * at most 200 code points; no control or format character (Cc, Cf: C0/C1 controls, bidi overrides, zero-width
 * characters), no line or paragraph separator (Zl, Zp); well-formed (a lone surrogate is Cs here, so this is
 * `String.prototype.isWellFormed` too, without needing ES2024).
 */
export const isInstanceName = (name: unknown): name is string =>
  typeof name == 'string' && /^[^\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]{0,200}$/u.test(name);
