import { isSiteAddress } from './element-settings.js';
import { isInstanceIdText } from './instance-view.js';
import { isReturnUrl } from './return-url.js';

/**
 * What a flow records besides state, element, expiry and name (docs/protocol.md §7): whose it is, the instance a
 * reconnect re-authorises, the site address, and where a redirect-mode flow returns to. They travel in the signed flow cookie from oauth/url to the
 * exchange, so flows 4a and 4b both have them and the handler keeps nothing in between.
 */
export interface FlowExtras {
  /** Digest of the owner who started the flow (`o`): only a request of the same owner may complete it. */
  readonly ownerDigest: string;
  /** A reconnect: the id of the owner's instance to re-authorise (`i`). */
  readonly instance?: string;
  /** The site address the oauth/url call used (`a`), for the instance's `siteConfigurationKey`. */
  readonly site?: string;
  /** Redirect mode (`r`): the page the result goes back to, as oauth/url accepted it (docs/protocol.md §13). */
  readonly returnUrl?: string;
}

/** What starting a flow takes: the extras and the instance name asked for. */
export interface FlowDetails extends FlowExtras {
  readonly name?: string;
}

const DIGEST = /^[A-Za-z0-9_-]{43}$/;

/** The cookie fields of the extras. */
export function writeFlowExtras(flow: FlowExtras): Record<string, string> {
  return {
    o: flow.ownerDigest,
    ...(flow.instance && { i: flow.instance }),
    ...(flow.site && { a: flow.site }),
    ...(flow.returnUrl && { r: flow.returnUrl }),
  };
}

/**
 * The extras of a verified cookie payload; `undefined` when one is malformed or the owner is missing (a cookie
 * from before owners existed is treated as invalid: it could be completed by anyone).
 */
export function readFlowExtras(record: unknown): FlowExtras | undefined {
  const { o, i, a, r } = record as { o?: unknown; i?: unknown; a?: unknown; r?: unknown };
  if (typeof o !== 'string' || !DIGEST.test(o)) return undefined;
  if (i !== undefined && !isInstanceIdText(i)) return undefined;
  if (a !== undefined && !isSiteAddress(a)) return undefined;
  if (r !== undefined && !isReturnUrl(r)) return undefined;
  return {
    ownerDigest: o,
    ...(i !== undefined && { instance: i }),
    ...(a !== undefined && { site: a }),
    ...(r !== undefined && { returnUrl: r }),
  };
}
