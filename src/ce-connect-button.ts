import { html, nothing, ReactiveElement, render, type PropertyValues, type TemplateResult } from 'lit';
import { deleteInstance } from './backend-client.js';
import { readFlowConfig } from './config.js';
import {
  ConnectFlow,
  oauthUrlRequest,
  wantsPopup,
  type ConnectMode,
  type FlowConfig,
  type FlowReporter,
} from './connect-flow.js';
import { elementDisplayName } from './elements.js';
import { ConnectError, abortError } from './errors.js';
import {
  ConnectCancelEvent,
  ConnectErrorEvent,
  ConnectRedirectEvent,
  ConnectStartEvent,
  ConnectedEvent,
  DisconnectedEvent,
  type ConnectCancelReason,
  type ConnectedDetail,
} from './events.js';
import { InstanceHealth } from './instance-health.js';
import { focusPopup } from './popup.js';
import { Prefetch } from './prefetch.js';
import type { CallbackMessage } from './protocol.js';
import { leaving, takeReturnedResult } from './redirect.js';
import { TEXTS, textFor, type ConnectTextKey, type ConnectTexts } from './texts.js';
import { styles } from './ce-connect-button.styles.js';

/** Where the button is in its flow; `needs-reconnect`: the backend says the connection stopped working. */
export type ConnectStatus = 'idle' | 'connecting' | 'connected' | 'needs-reconnect' | 'error';

/**
 * A button that connects the user's account at a third-party provider through Cloud Elements, in a popup (or,
 * with `mode`, by sending the whole tab there and back), and reports the new Instance ID. No secret, code or
 * token ever reaches it.
 *
 * @fires connect-start - The click was accepted; cancelable.
 * @fires connect-redirect - Redirect mode is about to leave the page: `{ element }`; cancelable.
 * @fires connected - The instance exists: `{ element, instanceId, name? }`.
 * @fires connect-error - The flow failed: `{ element, code, message, status? }`.
 * @fires connect-cancel - The popup was closed or the flow aborted: `{ element, reason }`.
 * @fires disconnected - The instance was disconnected, or the backend does not know it: `{ element, instanceId, reason }`.
 * @attr status - The read-only `status` reflected for CSS (`idle`, `connecting`, `connected`, `needs-reconnect`, `error`); setting it does nothing.
 * @slot - The button label; defaults to "Connect to {provider}", "Connected to {provider}" or "Reconnect {provider}".
 * @csspart button - The native button.
 * @csspart disconnect - The "Disconnect" button shown with `disconnectable` while connected.
 * @csspart icon - The spinner / check mark inside the button (decorative: the status line says it).
 * @csspart status - The status line: announced politely, and assertively when it reports an error.
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
// ReactiveElement and lit-html's render(), not LitElement: the same rendering, in fewer bytes of the bundle.
export class CeConnectButton extends ReactiveElement {
  static override styles = styles;
  // Focusing the element (el.focus(), a label, a skip link) focuses its button.
  static override shadowRootOptions = { ...ReactiveElement.shadowRootOptions, delegatesFocus: true };

  /**
   * Registers the element as `tag` in `registry` (another tag name, a scoped registry), unless that tag is taken
   * there. Importing `ce-connect` already registers `ce-connect-button` in the global registry.
   */
  static define(tag = 'ce-connect-button', registry: CustomElementRegistry = customElements): void {
    // A subclass: one constructor can be registered once, and `ce-connect` registers this one as `ce-connect-button`.
    if (!registry.get(tag)) registry.define(tag, class extends this {});
  }

  static override properties = {
    element: { reflect: true },
    apiBase: { attribute: 'api-base' },
    instanceName: { attribute: 'instance-name' },
    // An empty id removes the attribute, so `[instance-id]` selects connected buttons only.
    instanceId: { attribute: 'instance-id', reflect: true, converter: { toAttribute: (id: string) => id || null } },
    disabled: { type: Boolean, reflect: true },
    timeout: { type: Number },
    callbackOrigin: { attribute: 'callback-origin' },
    closedGrace: { type: Number, attribute: 'closed-grace' },
    site: {},
    mode: {},
    texts: { attribute: false },
    disconnectable: { type: Boolean },
    prefetch: { type: Boolean },
    _status: { state: true },
    _message: { state: true },
    _health: { state: true },
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
  /** The site the user named, for elements whose sign-in needs one (Zendesk subdomain, Shopify shop…). */
  site = '';
  /** How to reach the provider: `popup`, `redirect` (the whole tab goes and comes back) or `auto` (popup, else redirect). */
  mode: ConnectMode = 'popup';
  /** Replacement texts for this button; see `TEXTS` for the keys. */
  texts?: ConnectTexts;
  /** Also renders a "Disconnect" button while connected. */
  disconnectable = false;
  /** On intent (pointer resting 80 ms, focus, touch), asks the backend for the sign-in URL ahead (docs/element.md). */
  prefetch = false;
  /** Where the button is in its flow (read-only: the flow sets it); reflected as the `status` attribute, for CSS. */
  get status(): ConnectStatus {
    return this._status;
  }

  /** Only the flow writes it (`@lit/task`'s pattern): a page setting `status` or the attribute changes nothing. */
  private _status: ConnectStatus = 'idle';

  /** The status line: the last error's message (network text, rendered as text only). No initializer: unset
   * reads as empty, and each reactive property set in the constructor costs time for every button. */
  private _message?: string;
  /** What the backend said of the instance the host set: `needs-reconnect` turns the button into a reconnect. */
  private _health?: 'needs-reconnect';
  /** Asks the backend, once per id the host sets, how that connection is doing. */
  private readonly _healthCheck = new InstanceHealth(
    this,
    () => {
      try {
        return readFlowConfig(this).apiBase;
      } catch {
        return undefined; // a misconfigured button reports that when clicked
      }
    },
    (id, health) => {
      if (this._status === 'connecting') return;
      if (health === 'missing') this._forget(this.element, id, 'missing');
      else if (health) this._health = health === 'needs-reconnect' ? health : undefined;
    },
  );
  private _flow?: ConnectFlow;
  /** The sign-in URL asked ahead with `prefetch`, and the pointer's 80 ms rest before it is asked. */
  private readonly _prefetched = new Prefetch();
  private _rest?: ReturnType<typeof setTimeout>;
  private _pending?: { _promise: Promise<ConnectedDetail>; _settle(result: ConnectedDetail | Error): void };

  /**
   * Starts the flow, as a click does. Call it inside a user gesture. Resolves with the `connected` detail;
   * rejects with a `ConnectError`, or a `DOMException` named `AbortError` on a cancel.
   */
  connect(): Promise<ConnectedDetail> {
    if (this._pending && this._flow) {
      focusPopup(this._flow._popup); // a second click never starts a second flow
      return this._pending._promise;
    }
    const element = this.element;
    try {
      if (this.disabled) throw new ConnectError('invalid-config', 'The button is disabled.');
      const config = readFlowConfig(this);
      if (!this.dispatchEvent(new ConnectStartEvent({ element }))) throw abortError('connect-start was cancelled.');
      // A connect-start listener may itself have called connect(): that flow is the one.
      if (this._pending) return this._pending._promise;
      this._startFlow(config);
    } catch (error) {
      // A refused start leaves a flow that waits for a late result alone: it is not superseded.
      if (error instanceof ConnectError) this._fail(element, error);
      return Promise.reject(error);
    }
    return this._begin();
  }

  /** Aborts a running flow: closes the popup and fires `connect-cancel` with reason `aborted`. */
  cancel(): void {
    const flow = this._flow;
    this._flow = undefined;
    flow?._stop();
    // A flow that only waits for a late result already had its terminal event: it ends silently.
    if (flow && this._pending) this._cancelled(flow._config.element, 'aborted');
  }

  /**
   * Disconnects the instance: `DELETE {api-base}/instances/{id}`, then `disconnected` with reason `user`. On a
   * failure, `connect-error` `disconnect-failed` and the instance is kept; the promise rejects with it.
   */
  async disconnect(): Promise<void> {
    const { element, instanceId } = this;
    if (!instanceId) return;
    this.cancel();
    try {
      await deleteInstance(readFlowConfig(this).apiBase, instanceId);
    } catch (error) {
      // A misconfigured api-base (invalid-config) is reported as the disconnect that did not happen.
      const failure =
        (error as ConnectError).code === 'disconnect-failed'
          ? (error as ConnectError)
          : new ConnectError('disconnect-failed', (error as Error).message);
      this._report(element, failure);
      throw failure;
    }
    this._forget(element, instanceId, 'user');
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // A synchronous move in the DOM disconnects and reconnects in one task: only a real removal aborts.
    queueMicrotask(() => this.isConnected || (clearTimeout(this._rest), this._prefetched._drop(), this.cancel()));
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('instanceId')) this._health = undefined;
    const status = this._status;
    if (status !== 'connecting' && status !== 'error')
      this._status = this.instanceId ? (this._health ?? 'connected') : 'idle';
    // Reflected by hand: a reflected property could be set from outside (an attribute set by the page is overwritten).
    this.setAttribute('status', this._status);
  }

  protected override updated(): void {
    // Redirect mode: this page load came back from the provider with the result of this button's flow.
    const returned = this._status !== 'connecting' && takeReturnedResult(this.element, this.instanceId, this.timeout);
    if (returned) this._finishReturned(returned);
  }

  protected override update(changed: PropertyValues<this>): void {
    super.update(changed);
    render(this.render(), this.renderRoot, { host: this });
  }

  protected render(): TemplateResult {
    const name = elementDisplayName(this.element);
    const text = (key: ConnectTextKey) => this._text(key).replace('{provider}', name ?? this._text('provider'));
    const { status, instanceId, disabled } = this;
    const connected = status === 'connected';
    // The label says what a click will do: connect, or (with an instance) reconnect it.
    const label = text(connected ? 'connectedTo' : instanceId ? 'reconnect' : name ? 'connectTo' : 'connect');
    const icon =
      status === 'connecting'
        ? html`<span part="icon" class="spin" aria-hidden="true"></span>`
        : connected
          ? html`<span part="icon" aria-hidden="true">✓</span>`
          : nothing;
    const line = (
      { connecting: 'waiting', connected: 'connectedStatus', 'needs-reconnect': 'needsReconnect' } as Record<
        string,
        ConnectTextKey
      >
    )[status];
    const disconnect =
      this.disconnectable &&
      (connected || status === 'needs-reconnect') &&
      html`<button part="disconnect" type="button" ?disabled=${disabled} @click=${this._onDisconnect}>${text('disconnect')}</button>`;
    // One live region: polite for progress, assertive while it shows an error message (set before the text
    // changes) — a failed disconnect's too, which leaves the status `connected`.
    return html`<button part="button" type="button" ?disabled=${disabled} aria-busy=${status === 'connecting'} aria-describedby="s"
        @click=${this._onClick} @focus=${this._intent} @pointerenter=${this._onPointer} @pointerleave=${this._onPointer}
        @touchstart=${this._intent}>${icon}<slot>${label}</slot></button>${disconnect || nothing}<span id="s" part="status" role="status"
        aria-live=${this._message ? 'assertive' : 'polite'}>${this._message || (line && text(line))}</span>`;
  }

  /** Starts a flow that reports to this button: a click's, or the end of one this page came back with. */
  private _startFlow(config: FlowConfig, returned?: CallbackMessage): void {
    this._flow?._stop(); // supersede a flow that only waits for a late result
    const { element } = config;
    const reporter: FlowReporter = {
      _done: (flow, result, quiet) => {
        if (!this._isCurrent(flow)) return;
        this._flow = undefined;
        if (!(result instanceof Error)) this._succeed(result);
        else if (!quiet) this._fail(element, result);
        else {
          // A late result that failed: the flow already had its terminal event (popup-closed).
          this._release()(abortError('popup-closed'));
          this._status = 'idle';
        }
      },
      _popupClosed: (flow) => this._isCurrent(flow) && this._cancelled(element, 'popup-closed'),
      _resumed: (flow) => void (this._isCurrent(flow) && this._begin()),
      // The host may keep the page (`preventDefault()`): the flow ends as a cancel. Once it leaves, a page the
      // browser shows again from its back-forward cache (the user pressed Back at the provider) is not still
      // connecting: that flow ends as a cancel too, as does a page that never left. The pending record stays: going
      // forward again can still finish.
      _leaving: (flow) => {
        if (!this.dispatchEvent(new ConnectRedirectEvent({ element }))) return (this.cancel(), false);
        const stay = () => this._isCurrent(flow) && this.cancel();
        addEventListener('pageshow', stay, { once: true });
        // Still here and visible well after leaving (a "Stay" at a beforeunload prompt, a cancelled navigation): usable again.
        // (A page that did leave runs no timer; one restored from the back-forward cache was cancelled by pageshow.)
        setTimeout(() => document.visibilityState === 'visible' && stay(), leaving._stayGrace);
        return true;
      },
    };
    this._flow = new ConnectFlow(config, reporter, returned, this._prefetched);
  }

  /** Whether `flow` is still the one this button reports: a superseded or stopped flow's reports are dropped. */
  private _isCurrent(flow: ConnectFlow): boolean {
    return this._flow === flow;
  }

  /** Finishes, on the return page, the redirect-mode flow whose result came back (flow 4b: exchanges the code). */
  private _finishReturned(returned: CallbackMessage): void {
    try {
      this._startFlow(readFlowConfig(this), returned);
      void this._begin();
    } catch (error) {
      // A button misconfigured since it left: the result is used up, so say why it went nowhere.
      this._fail(this.element, error as ConnectError);
    }
  }

  /** The button is busy with a flow again: a fresh promise for `connect()` callers, status `connecting`. */
  private _begin(): Promise<ConnectedDetail> {
    let settle!: (result: ConnectedDetail | Error) => void;
    const promise = new Promise<ConnectedDetail>(
      (resolve, reject) => (settle = (r) => (r instanceof Error ? reject(r) : resolve(r))),
    );
    promise.catch(() => undefined); // reported as events; a caller who keeps the promise still sees the rejection
    this._pending = { _promise: promise, _settle: settle };
    this._status = 'connecting';
    this._message = '';
    return promise;
  }

  private _onClick(): void {
    // Errors are reported as events; the promise is for programmatic callers.
    this.connect().catch(() => undefined);
  }

  /** With `prefetch`, the pointer resting on the button for 80 ms is an intent; leaving before does nothing. */
  private _onPointer({ type }: PointerEvent): void {
    clearTimeout(this._rest);
    if (type === 'pointerenter' && this.prefetch) this._rest = setTimeout(() => this._intent(), 80);
  }

  /** With `prefetch`, an intent asks ahead for the click's sign-in URL (silently: a misconfigured button says so when clicked). */
  private _intent(event?: Event): void {
    // Keyboard focus only (`:focus-visible`): a click's focus, or focus coming back when a popup closes, is no intent.
    const mouseFocus = event?.type === 'focus' && !(event.target as Element).matches(':focus-visible');
    if (!this.prefetch || this.disabled || this._pending || !this.isConnected || mouseFocus) return;
    try {
      const config = readFlowConfig(this);
      this._prefetched._ask(config.apiBase, oauthUrlRequest(config, wantsPopup(config.mode)), config.timeout);
    } catch {
      // Nothing asked ahead: the click runs the flow and reports the problem.
    }
  }

  private _onDisconnect(): void {
    this.disconnect().catch(() => undefined);
  }

  /** The instance is gone (disconnected, or unknown to the backend): back to idle, and say so. */
  private _forget(element: string, instanceId: string, reason: 'user' | 'missing'): void {
    this._healthCheck._known((this.instanceId = this._message = ''));
    this._status = 'idle';
    this.dispatchEvent(new DisconnectedEvent({ element, instanceId, reason }));
  }

  /** Success: the instance exists (set by this page's own flow: nothing to ask the backend about). */
  private _succeed(result: ConnectedDetail): void {
    const settle = this._release();
    this._healthCheck._known((this.instanceId = result.instanceId));
    this._health = undefined;
    this._status = 'connected';
    this.dispatchEvent(new ConnectedEvent(result));
    settle(result);
  }

  private _fail(element: string, error: ConnectError): void {
    const settle = this._release();
    this._status = 'error';
    this._report(element, error);
    settle(error);
  }

  /** After `popup-closed` the flow stays (for a late result), but the button is free again. */
  private _cancelled(element: string, reason: ConnectCancelReason): void {
    const settle = this._release();
    this._status = 'idle';
    this.dispatchEvent(new ConnectCancelEvent({ element, reason }));
    settle(abortError(reason));
  }

  /**
   * Detaches the pending `connect()` promise (if any) and returns what settles it, to be called after the state
   * and the event: a listener of that event may already have started the next flow, with a promise of its own.
   */
  private _release(): (result: ConnectedDetail | Error) => void {
    const pending = this._pending;
    this._pending = undefined;
    return (result) => pending?._settle(result);
  }

  /** Shows and fires a failure: a default message in the page's language, a message from the network as it came (text only). */
  private _report(element: string, error: ConnectError): void {
    const { code, status } = error;
    const message = (this._message = error.message === TEXTS[code] ? this._text(code) : error.message);
    this.dispatchEvent(new ConnectErrorEvent({ element, code, message, ...(status !== undefined && { status }) }));
  }

  /** The text `key` for this button (see src/texts.ts). */
  private _text(key: ConnectTextKey): string {
    return textFor(this, this.texts, key);
  }
}
