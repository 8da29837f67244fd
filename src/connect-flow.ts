import { createInstance, requestOAuthUrl } from './backend-client.js';
import { listenForResult } from './channel.js';
import { ConnectError, cleanText } from './errors.js';
import type { ConnectedDetail } from './events.js';
import { checkOAuthUrl, checkState } from './oauth-url.js';
import { closePopup, openBlankPopup, watchPopupClosed } from './popup.js';
import type { CallbackMessage } from './protocol.js';

/** Everything a flow needs, validated by the caller and captured at click time. */
export interface FlowConfig {
  element: string;
  apiBase: URL;
  callbackOrigin: string;
  instanceName: string;
  /** Milliseconds from the click to the result. */
  timeout: number;
  /** Milliseconds the popup must read closed before the flow reports `popup-closed`. */
  closedGrace: number;
}

/**
 * How a flow ends. At most one of `connected`/`failed` is called; `popupClosed` at most once, and after it
 * only `connected` can still follow (a result that arrives late because COOP made the popup read closed).
 */
export interface FlowReporter {
  connected(detail: ConnectedDetail): void;
  failed(error: ConnectError): void;
  popupClosed(): void;
}

/**
 * One click's connection: open the popup (synchronously, in the constructor), ask the backend for the
 * sign-in URL, navigate the popup, wait for the callback message, exchange a code if needed. Owns every
 * listener, timer, interval and channel it creates, and releases them all through one AbortController.
 */
export class ConnectFlow {
  /** The flow's popup; its name is unique to this flow. */
  readonly popup: Window;
  private readonly _controller = new AbortController();
  private readonly _resultWait = new AbortController();
  private _settled = false;
  private _popupClosed = false;
  private _navigated = false;

  /** Opens the popup at once; throws `popup-blocked` when the browser refuses it. */
  constructor(
    private readonly _config: FlowConfig,
    private readonly _report: FlowReporter,
  ) {
    this.popup = openBlankPopup(`ce-connect-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`);
    const { signal } = this._controller;
    const deadline = setTimeout(() => this._fail(new ConnectError('timeout')), _config.timeout);
    signal.addEventListener('abort', () => clearTimeout(deadline), { once: true });
    signal.addEventListener('abort', () => this._resultWait.abort(), { once: true });
    watchPopupClosed(this.popup, _config.closedGrace, () => this._onPopupClosed(), this._resultWait.signal);
    void this._run();
  }

  /** The element key captured at click time; later attribute changes do not affect this flow. */
  get element(): string {
    return this._config.element;
  }

  /** True once the popup was reported closed: the flow only waits, silently, for a late result. */
  get lingering(): boolean {
    return this._popupClosed && !this._settled;
  }

  /** Ends the flow at once without reporting anything: closes the popup, releases everything. */
  abort(): void {
    this._end();
  }

  private async _run(): Promise<void> {
    const { element, apiBase, callbackOrigin } = this._config;
    const { signal } = this._controller;
    try {
      const answer = await requestOAuthUrl(apiBase, element, signal);
      const url = checkOAuthUrl(answer.oauthUrl);
      const state = checkState(answer.state, url);
      if (signal.aborted) return;
      listenForResult({ popup: this.popup, callbackOrigin, state }, (message) => void this._onResult(message), signal);
      this._navigated = true;
      this.popup.location.replace(url.href);
    } catch (error) {
      this._fail(error);
    }
  }

  private async _onResult(message: CallbackMessage): Promise<void> {
    // The popup closes itself after posting: from here on its closing is expected, not a cancel.
    this._resultWait.abort();
    const { element, apiBase, instanceName } = this._config;
    try {
      if (message.instanceId) {
        this._succeed({ element, instanceId: message.instanceId, ...(message.name ? { name: message.name } : {}) });
      } else if (message.code) {
        const created = await createInstance(apiBase, { element, code: message.code, state: message.state, name: instanceName }, this._controller.signal);
        this._succeed({ element, instanceId: created.id, ...(created.name ? { name: created.name } : {}) });
      } else {
        this._fail(providerError(message));
      }
    } catch (error) {
      this._fail(error);
    }
  }

  private _onPopupClosed(): void {
    if (this._settled) return;
    this._popupClosed = true;
    // Before navigation no result can ever come; after it, COOP may have only severed our handle.
    if (!this._navigated) this._end();
    this._report.popupClosed();
  }

  private _succeed(detail: ConnectedDetail): void {
    if (this._settled || this._controller.signal.aborted) return;
    this._end();
    this._report.connected(detail);
  }

  private _fail(error: unknown): void {
    if (this._settled || this._controller.signal.aborted) return;
    this._end();
    // After `popup-closed` the flow already had its terminal event: a late failure stays silent.
    if (this._popupClosed) return;
    if (error instanceof ConnectError) this._report.failed(error);
    else this._report.failed(new ConnectError('network'));
  }

  private _end(): void {
    this._settled = true;
    this._controller.abort();
    closePopup(this.popup);
  }
}

/** Maps a provider or exchange error from the callback page to the widget's error codes. */
function providerError({ error, errorDescription }: CallbackMessage): ConnectError {
  const code = error === 'access_denied' ? 'provider-denied' : error === 'exchange_failed' || error === 'exchange-failed' ? 'exchange-failed' : 'provider-error';
  return new ConnectError(code, cleanText(errorDescription));
}
