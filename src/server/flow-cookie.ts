import { createHmac, timingSafeEqual } from 'node:crypto';
import { ELEMENT_KEY_PATTERN } from '../elements.js';

/** A pending sign-in as recorded in its own signed cookie. */
export interface PendingFlow {
  /** Name of the cookie that holds this flow. */
  readonly cookieName: string;
  /** The OAuth state (43 base64url characters). */
  readonly state: string;
  /** The element key the flow was started for. */
  readonly element: string;
  /** Epoch milliseconds after which the flow is void. */
  readonly expiresAt: number;
  /** The instance name the page asked for (flow 4a: the redirect cannot carry it), already validated. */
  readonly name?: string;
}

/** Instance names the server accepts from a browser: at most 200 characters, no control characters. */
export const INSTANCE_NAME_PATTERN = /^[^\u0000-\u001f\u007f]{0,200}$/;

/** Settings of the flow cookies. */
export interface FlowCookieSettings {
  /** HMAC-SHA256 key. */
  readonly secret: string;
  /** `Secure` plus the `__Host-` prefix (which forces `Path=/`). */
  readonly secure: boolean;
  /** Cookie path when not `secure`. */
  readonly path: string;
}

const PAYLOAD_PATTERN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/;

/**
 * Signs, reads and clears flow cookies. Each pending flow lives in its own cookie, so two sign-ins started
 * at the same moment cannot overwrite each other's record (a single shared cookie would be last-writer-wins).
 */
export class FlowCookies {
  private readonly _prefix: string;
  private readonly _attributes: string;

  constructor(private readonly _settings: FlowCookieSettings) {
    this._prefix = _settings.secure ? '__Host-ce-connect-flow-' : 'ce-connect-flow-';
    const path = _settings.secure ? '/' : _settings.path || '/';
    this._attributes = `Path=${path}; HttpOnly; SameSite=Lax${_settings.secure ? '; Secure' : ''}`;
  }

  /** The Set-Cookie value that records `flow` for `maxAgeMs`. */
  serialize(flow: PendingFlow, maxAgeMs: number): string {
    const payload = Buffer.from(JSON.stringify({ s: flow.state, e: flow.element, x: flow.expiresAt, ...(flow.name && { n: flow.name }) })).toString(
      'base64url',
    );
    const value = `${payload}.${this._sign(flow.cookieName, payload)}`;
    return `${flow.cookieName}=${value}; Max-Age=${Math.ceil(maxAgeMs / 1000)}; ${this._attributes}`;
  }

  /** The Set-Cookie value that deletes the cookie `name`. */
  clear(name: string): string {
    return `${name}=; Max-Age=0; ${this._attributes}`;
  }

  /** A cookie name for a new flow. */
  nameFor(id: string): string {
    return this._prefix + id;
  }

  /** Every correctly signed flow in a Cookie header, plus the names of our cookies that failed verification. */
  read(cookieHeader: string | null): { flows: PendingFlow[]; invalid: string[] } {
    const flows: PendingFlow[] = [];
    const invalid: string[] = [];
    for (const part of (cookieHeader ?? '').split(';')) {
      const separator = part.indexOf('=');
      const name = part.slice(0, separator).trim();
      if (separator < 0 || !name.startsWith(this._prefix)) continue;
      const flow = this._verify(name, part.slice(separator + 1).trim());
      if (flow) flows.push(flow);
      else invalid.push(name);
    }
    return { flows, invalid };
  }

  private _sign(name: string, payload: string): string {
    const signed = `ce-connect-flow.v1|${name}|${payload}`;
    return createHmac('sha256', this._settings.secret).update(signed).digest('base64url');
  }

  private _verify(name: string, value: string): PendingFlow | undefined {
    if (!PAYLOAD_PATTERN.test(value) || !/^[A-Za-z0-9_-]{1,64}$/.test(name.slice(this._prefix.length))) return undefined;
    const [payload = '', mac = ''] = value.split('.');
    if (!timingSafeEqual(Buffer.from(mac), Buffer.from(this._sign(name, payload)))) return undefined;
    try {
      const record: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      const { s, e, x, n } = record as { s?: unknown; e?: unknown; x?: unknown; n?: unknown };
      if (typeof s !== 'string' || typeof e !== 'string' || typeof x !== 'number') return undefined;
      if (!ELEMENT_KEY_PATTERN.test(e)) return undefined;
      const flowName = typeof n === 'string' && INSTANCE_NAME_PATTERN.test(n) ? n : undefined;
      return { cookieName: name, state: s, element: e, expiresAt: x, ...(flowName && { name: flowName }) };
    } catch {
      return undefined;
    }
  }
}
