import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { checkInstance, type InstanceHealthAnswer } from './backend-client.js';

/**
 * The status check of an instance the host set from its own records (`GET {api-base}/instances/{id}`): asked once
 * per id after the update that set it; an id this page's own flow produced is known (`_known`) and never asked about.
 * A newer id or the element's removal aborts the request, so an answer always concerns the current id.
 */
export class InstanceHealth implements ReactiveController {
  private _asked?: string;
  private _abort?: AbortController;

  /**
   * `base`: the backend to ask, `undefined` when the button is misconfigured (reported when it is clicked);
   * `answer`: the backend's answer about `id`, still the host's instance (never for a stale or aborted check).
   */
  constructor(
    private readonly _host: ReactiveControllerHost & { readonly instanceId: string },
    private readonly _base: () => URL | undefined,
    private readonly _answer: (id: string, health: InstanceHealthAnswer) => void,
  ) {
    _host.addController(this);
  }

  /** `id` needs no question (the page's own flow made it), or may be asked about again (`''`, after it is gone). */
  _known(id: string): void {
    this._asked = id;
  }

  hostUpdated(): void {
    const host = this._host;
    const id = host.instanceId;
    if (!id || id === this._asked) return;
    this._asked = id;
    this._abort?.abort();
    const base = this._base();
    if (!base) return;
    const { signal } = (this._abort = new AbortController());
    checkInstance(base, id, signal).then(
      (health) => signal.aborted || host.instanceId !== id || this._answer(id, health),
      () => undefined,
    );
  }

  hostDisconnected(): void {
    this._abort?.abort();
  }
}
