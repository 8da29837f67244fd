import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { ConnectFlow, type FlowConfig, type FlowReporter } from './connect-flow.js';
import { readFlowConfig } from './config.js';
import { elementDisplayName } from './elements.js';
import { ConnectError, abortError } from './errors.js';
import { ConnectCancelEvent, ConnectErrorEvent, ConnectStartEvent, ConnectedEvent, type ConnectCancelReason, type ConnectedDetail } from './events.js';
import { focusPopup } from './popup.js';
import { styles } from './ce-connect-button.styles.js';

/** Where the button is in its flow. */
export type ConnectStatus = 'idle' | 'connecting' | 'connected' | 'error';

interface Pending {
  resolve(detail: ConnectedDetail): void;
  reject(reason: unknown): void;
  promise: Promise<ConnectedDetail>;
}

/**
 * A button that connects the user's account at a third-party provider through Cloud Elements, in a popup,
 * and reports the new Instance ID. No secret, code or token ever reaches it.
 *
 * @fires connect-start - The click was accepted; cancelable.
 * @fires connected - The instance exists: `{ element, instanceId, name? }`.
 * @fires connect-error - The flow failed: `{ element, code, message, status? }`.
 * @fires connect-cancel - The popup was closed or the flow aborted: `{ element, reason }`.
 * @slot - The button label; defaults to "Connect to {provider}".
 * @csspart button - The native button.
 * @csspart icon - The spinner / check mark inside the button (decorative: the status line says it).
 * @csspart status - The politely announced status line.
 * @cssprop --ce-connect-background - Button background.
 * @cssprop --ce-connect-color - Button text colour.
 * @cssprop --ce-connect-radius - Button corner radius.
 * @cssprop --ce-connect-padding - Button padding.
 * @cssprop --ce-connect-border - Button border.
 * @cssprop --ce-connect-font-family - Font family.
 * @cssprop --ce-connect-focus-ring - Focus ring colour.
 * @cssprop --ce-connect-connected-background - Background once connected.
 * @cssprop --ce-connect-status-color - Status line colour.
 * @cssprop --ce-connect-error-color - Status line colour on error.
 */
export class CeConnectButton extends LitElement {
  static override styles = styles;

  static override properties = {
    element: {},
    apiBase: { attribute: 'api-base' },
    instanceName: { attribute: 'instance-name' },
    instanceId: { attribute: 'instance-id', reflect: true },
    disabled: { type: Boolean, reflect: true },
    timeout: { type: Number },
    callbackOrigin: { attribute: 'callback-origin' },
    closedGrace: { type: Number, attribute: 'closed-grace' },
    status: { reflect: true },
    _statusText: { state: true },
  };

  /** The Cloud Elements element key, e.g. `sfdc`. */
  element = '';
  /** Base URL of the host backend's ce-connect routes. */
  apiBase = '/api/ce';
  /** Name for the new instance, sent to the backend. */
  instanceName = '';
  /** The connected instance; set on success. */
  instanceId = '';
  /** Disables the button. */
  disabled = false;
  /** Milliseconds from click to result before `connect-error` `timeout`. */
  timeout = 300_000;
  /** The exact origin callback messages must come from; empty means this page's origin. */
  callbackOrigin = '';
  /** Milliseconds the popup must read closed before `connect-cancel` `popup-closed`. */
  closedGrace = 1000;
  /** Where the button is in its flow; reflected as the `status` attribute. */
  status: ConnectStatus = 'idle';

  private _statusText = '';
  private _flow?: ConnectFlow;
  private _pending?: Pending;

  /**
   * Starts the flow, as a click does. Call it inside a user gesture. Resolves with the `connected` detail;
   * rejects with a `ConnectError`, or a `DOMException` named `AbortError` on a cancel.
   */
  connect(): Promise<ConnectedDetail> {
    if (this._flow && !this._flow.lingering && this._pending) {
      focusPopup(this._flow.popup); // a second click never starts a second flow
      return this._pending.promise;
    }
    if (this.disabled) return Promise.reject(new ConnectError('invalid-config', 'The button is disabled.'));
    let config: FlowConfig;
    try {
      config = readFlowConfig(this);
    } catch (error) {
      this._reportError(this.element, error as ConnectError);
      return Promise.reject(error);
    }
    if (!this.dispatchEvent(new ConnectStartEvent({ element: config.element }))) {
      return Promise.reject(abortError('The connect-start event was cancelled.'));
    }
    this._flow?.abort(); // supersede a flow that only waits for a late result
    this._flow = undefined;
    const pending = deferred();
    try {
      this._flow = new ConnectFlow(config, this._reporter(config.element, pending));
    } catch (error) {
      this._reportError(config.element, error as ConnectError);
      return Promise.reject(error);
    }
    this._pending = pending;
    this.status = 'connecting';
    this._statusText = `Waiting for ${elementDisplayName(config.element) ?? 'the provider'} in the sign-in window…`;
    return pending.promise;
  }

  /** Aborts a running flow: closes the popup and fires `connect-cancel` with reason `aborted`. */
  cancel(): void {
    this._abort('aborted');
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // A synchronous move in the DOM disconnects and reconnects in one task: only a real removal aborts.
    queueMicrotask(() => {
      if (!this.isConnected) this._abort('aborted');
    });
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('instanceId') && (this.status === 'idle' || this.status === 'connected')) {
      this.status = this.instanceId ? 'connected' : 'idle';
    }
  }

  protected override render(): TemplateResult {
    const connecting = this.status === 'connecting';
    const name = elementDisplayName(this.element);
    const icon = connecting ? html`<span part="icon" class="spin"></span>` : this.status === 'connected' ? html`<span part="icon">✓</span>` : nothing;
    return html`<button part="button" type="button" ?disabled=${this.disabled} aria-busy=${connecting} aria-describedby="s" @click=${this._onClick}>${icon}<slot>${name ? `Connect to ${name}` : 'Connect'}</slot></button><span id="s" part="status" role="status">${this._statusText}</span>`;
  }

  private _onClick(): void {
    // Errors are reported as events; the promise is for programmatic callers.
    this.connect().catch(() => undefined);
  }

  private _reporter(element: string, pending: Pending): FlowReporter {
    const current = () => this._pending === pending;
    return {
      connected: (detail) => {
        this._flow = undefined;
        this.instanceId = detail.instanceId;
        this.status = 'connected';
        this._statusText = `Connected to ${elementDisplayName(element) ?? 'the provider'}.`;
        if (current()) this._pending = undefined;
        this.dispatchEvent(new ConnectedEvent(detail));
        pending.resolve(detail);
      },
      failed: (error) => {
        this._flow = undefined;
        this._pending = undefined;
        this._reportError(element, error);
        pending.reject(error);
      },
      popupClosed: () => {
        // The flow may still deliver a late `connected` (COOP); keep it, but free the button now.
        if (current()) this._pending = undefined;
        this._settleCancelled(element, 'popup-closed', pending);
      },
    };
  }

  private _abort(reason: ConnectCancelReason): void {
    const flow = this._flow;
    if (!flow) return;
    this._flow = undefined;
    flow.abort();
    const pending = this._pending;
    this._pending = undefined;
    // A lingering flow already had its terminal event (`popup-closed`) and has no pending promise.
    if (pending) this._settleCancelled(flow.element, reason, pending);
  }

  private _settleCancelled(element: string, reason: ConnectCancelReason, pending: Pending): void {
    this.status = this.instanceId ? 'connected' : 'idle';
    this._statusText = '';
    this.dispatchEvent(new ConnectCancelEvent({ element, reason }));
    pending.reject(abortError(reason === 'popup-closed' ? 'The sign-in window was closed.' : 'The connection was cancelled.'));
  }

  private _reportError(element: string, error: ConnectError): void {
    this.status = 'error';
    this._statusText = error.message;
    const { code, message, status } = error;
    this.dispatchEvent(new ConnectErrorEvent(status === undefined ? { element, code, message } : { element, code, message, status }));
  }
}

function deferred(): Pending {
  let resolve!: Pending['resolve'];
  let reject!: Pending['reject'];
  const promise = new Promise<ConnectedDetail>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { resolve, reject, promise };
}
