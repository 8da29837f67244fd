import { requestOAuthUrl, type OAuthUrlRequest, type OAuthUrlResponse } from './backend-client.js';

/**
 * How long an answer stays usable after it came (60 s, and never longer than the button's `timeout`), judged by
 * `_now`: tests replace the clock rather than wait.
 */
export const prefetchClock = { _now: () => Date.now(), _ttl: 60_000 };

/**
 * One button's `prefetch` (docs/element.md, "Prefetch"): on intent, the oauth/url answer of the click to come,
 * asked ahead so the click can navigate the popup (or leave, in redirect mode) at once. It holds at most one
 * request, in flight or answered; an answer is used once, only for the same request (backend, element, name,
 * instance, site, mode and return URL), and only while fresh. A failure is silent: the click asks again.
 */
export class Prefetch {
  /** Which request is held (the backend and the request's JSON); none when `_answer` is unset. */
  private _key?: string;
  private _answer?: Promise<OAuthUrlResponse>;
  private _abort?: AbortController;
  /** Until when the answer may be used; unset while it is in flight. */
  private _until?: number;

  /** Asks ahead, unless the same request is already in flight or answered and fresh; replaces any other. */
  _ask(apiBase: URL, request: OAuthUrlRequest, lifetime: number): void {
    const key = apiBase.href + JSON.stringify(request);
    if (this._fresh(key)) return;
    this._drop();
    const abort = (this._abort = new AbortController());
    this._key = key;
    this._until = undefined;
    const answer = (this._answer = requestOAuthUrl(apiBase, request, abort.signal));
    answer.then(
      () => this._answer === answer && (this._until = prefetchClock._now() + Math.min(prefetchClock._ttl, lifetime)),
      () => this._answer === answer && this._drop(),
    );
  }

  /**
   * The answer asked ahead for exactly this request, in flight or fresh, handed over once (from then on aborted
   * with `signal`); anything else held is dropped and `undefined` returned.
   */
  _take(apiBase: URL, request: OAuthUrlRequest, signal: AbortSignal): Promise<OAuthUrlResponse> | undefined {
    const { _answer: answer, _abort: abort } = this;
    if (!this._fresh(apiBase.href + JSON.stringify(request))) return this._drop();
    this._answer = this._abort = undefined;
    signal.addEventListener('abort', () => abort!.abort());
    return answer;
  }

  /** Forgets what is held, aborting it if still in flight (the element's removal, a request that changed). */
  _drop(): undefined {
    this._abort?.abort();
    this._answer = undefined;
  }

  /** Something is held for this key, and is in flight (no `_until` yet) or still before its `_until`. */
  private _fresh(key: string): boolean {
    return !!this._answer && this._key === key && !(this._until! <= prefetchClock._now());
  }
}
