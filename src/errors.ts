// The default message of each error code (CONTRACT §3). Its keys are the stable codes hosts switch on.
const MESSAGES = {
  'invalid-config': 'The button is not configured correctly.',
  'popup-blocked': 'The sign-in window was blocked. Allow pop-ups for this site and try again.',
  network: 'Could not reach the server. Check your connection and try again.',
  backend: 'The server could not start the connection.',
  'bad-response': 'The server sent an unexpected answer.',
  'invalid-oauth-url': 'The server sent a sign-in URL that is not safe to open.',
  'insecure-state': 'The server sent an insecure sign-in state.',
  'provider-denied': 'Access was denied, so nothing was connected.',
  'provider-error': 'The provider reported an error.',
  'exchange-failed': 'The connection could not be completed. Please try again.',
  timeout: 'The connection took too long. Please try again.',
};

/** Every way a connect flow can fail. Stable: hosts switch on these. */
export type ConnectErrorCode = keyof typeof MESSAGES;

/** All error codes, in the order of the flow. */
export const CONNECT_ERROR_CODES = Object.keys(MESSAGES) as ConnectErrorCode[];

/** The error a flow fails with: a stable `code`, a human `message`, and the HTTP `status` when one was involved. */
export class ConnectError extends Error {
  override readonly name = 'ConnectError';

  constructor(
    readonly code: ConnectErrorCode,
    message: string = MESSAGES[code],
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The rejection of `connect()` when the flow was cancelled (popup closed, `cancel()`, removal). */
export function abortError(message: string): DOMException {
  return new DOMException(message, 'AbortError');
}

/**
 * Text from the network, made safe to show: one printable line of at most 256 characters, else `undefined`
 * (so callers fall back to the code's default message).
 */
export function cleanText(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return line.length > 256 ? `${line.slice(0, 255)}…` : line || undefined;
}
