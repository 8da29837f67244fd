import { LOOPBACK_HOST } from '../protocol-rules.js';

/** True for host names that only ever reach this machine (where plain http is acceptable). */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOST.test(hostname);
}

/**
 * Parses an absolute http(s) URL without user-info or fragment; `undefined` when it is anything else.
 * With `httpsUnlessLoopback`, plain http is accepted only for loopback hosts.
 */
export function parseWebUrl(value: unknown, httpsUnlessLoopback = false): URL | undefined {
  if (typeof value !== 'string') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (url.protocol === 'http:' && httpsUnlessLoopback && !isLoopbackHost(url.hostname)) return undefined;
  if (url.username || url.password || url.hash) return undefined;
  return url;
}
