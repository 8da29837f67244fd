import { CloudElementsError } from './cloud-elements-client.js';
import type { Logger } from './security-log.js';

/** A failure to report to the browser: a status and a generic message (never the Cloud Elements body). */
export interface BrowserFailure {
  readonly status: number;
  readonly message: string;
}

/** Which Cloud Elements call failed (a log field; it also picks the message for a refusal). */
export type UpstreamCall = 'oauth-url' | 'instances' | 'instance-get' | 'instance-list' | 'instance-delete' | 'instance-reauthorize';

/** Maps a failed Cloud Elements call to a generic browser-facing failure, and logs the safe facts. */
export function upstreamFailure(error: unknown, call: UpstreamCall, log: Logger): BrowserFailure {
  if (!(error instanceof CloudElementsError)) throw error;
  const { failure, status, requestId } = error;
  log('cloud-elements.failed', { call, failure, status, requestId });
  if (failure === 'timeout') return { status: 504, message: 'Cloud Elements did not answer in time' };
  if (failure === 'unreachable') return { status: 502, message: 'Cloud Elements could not be reached' };
  if (failure === 'bad-response') return { status: 502, message: 'Cloud Elements sent an unexpected response' };
  if (call === 'instances' && status !== undefined && status < 500) {
    return { status: 502, message: 'Cloud Elements refused to create the instance' };
  }
  if (call === 'instance-reauthorize' && status !== undefined && status < 500) {
    return { status: 502, message: 'Cloud Elements refused to re-authorise the instance' };
  }
  return { status: 502, message: 'Cloud Elements answered with an error' };
}
