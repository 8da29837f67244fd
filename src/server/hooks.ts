/** How a call into host code ended when it did not return in time or at all. */
export type HostCallFailure = 'threw' | 'timeout';

/** The outcome of {@link callHost}: the value, or why there is none. */
export type HostCallOutcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly failure: HostCallFailure };

/**
 * Calls host code (`authorize`, `onInstanceReconnected`, `onInstanceDeleted`) within `timeoutMs`. What it threw is
 * never looked at: host errors are opaque (a `name` getter may throw, a message may quote a token). A call that
 * settles after the deadline is ignored, a late rejection included.
 */
export async function callHost<T>(timeoutMs: number, call: () => T | Promise<T>): Promise<HostCallOutcome<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<HostCallOutcome<T>>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, failure: 'timeout' }), timeoutMs);
  });
  const run = (async () => call())().then(
    (value): HostCallOutcome<T> => ({ ok: true, value }),
    (): HostCallOutcome<T> => ({ ok: false, failure: 'threw' }),
  );
  try {
    return await Promise.race([run, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The request as a hook sees it: its URL without `code` and `state`, so a host that logs it cannot log them (the
 * same rule as for `onInstanceCreated`).
 */
export function requestForHost(request: Request): Request {
  const url = new URL(request.url);
  url.searchParams.delete('code');
  url.searchParams.delete('state');
  return new Request(url, { method: request.method, headers: request.headers });
}
