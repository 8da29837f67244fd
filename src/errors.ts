// The default (English) message of each error code (docs/protocol.md §3.3). Its keys are the stable codes hosts
// switch on. The button shows them through its texts table (src/texts.ts), so a page can translate them.
export const ERROR_MESSAGES = {
  'invalid-config': 'The button is misconfigured.',
  'popup-blocked': 'Pop-up blocked: allow pop-ups and try again.',
  network: 'Could not reach the server.',
  backend: 'The server could not start sign-in.',
  'bad-response': 'The server gave an unexpected answer.',
  'invalid-oauth-url': 'The sign-in URL was unsafe.',
  'insecure-state': 'The sign-in state was insecure.',
  'provider-denied': 'Access was denied.',
  'provider-error': 'The provider reported an error.',
  'invalid-callback': 'The sign-in response was invalid.',
  'exchange-failed': 'The connection could not be completed.',
  timeout: 'Sign-in took too long.',
  'disconnect-failed': 'The connection could not be removed.',
};

/** Every way a connect flow can fail. Stable: hosts switch on these. */
export type ConnectErrorCode = keyof typeof ERROR_MESSAGES;

/** All error codes, in the order of the flow. */
export const CONNECT_ERROR_CODES = Object.keys(ERROR_MESSAGES) as ConnectErrorCode[];

/** The error a flow fails with: a stable `code`, a human `message`, and the HTTP `status` when one was involved. */
export class ConnectError extends Error {
  override readonly name = 'ConnectError';

  constructor(
    readonly code: ConnectErrorCode,
    message: string = ERROR_MESSAGES[code],
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The rejection of `connect()` when the flow was cancelled (popup closed, `cancel()`, removal). */
export function abortError(message: string): DOMException {
  return new DOMException(message, 'AbortError');
}
