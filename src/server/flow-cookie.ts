import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ELEMENT_KEY_PATTERN, isInstanceName } from '../protocol-rules.js';
import { readFlowExtras, writeFlowExtras, type FlowExtras } from './flow-extras.js';
import { MAX_PENDING_FLOWS } from './flow-registry.js';

/** A pending sign-in as recorded in its own signed cookie. */
export interface PendingFlow extends FlowExtras {
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

/** Most bytes of name and value browsers keep for one cookie (RFC 6265bis); a longer one is silently dropped. */
export const MAX_COOKIE_BYTES = 4096;

/**
 * Thrown by {@link FlowCookies.serialize} when a flow would not fit in one cookie: only a long redirect-mode
 * return URL next to a long name and site address gets there, and a dropped cookie would fail the flow later.
 */
export class FlowCookieTooLargeError extends Error {
  override readonly name = 'FlowCookieTooLargeError';
}

/**
 * Signs, reads and clears flow cookies. Each pending flow lives in its own cookie, so two sign-ins started
 * at the same moment do not overwrite each other's record (a single shared cookie would be last-writer-wins),
 * unless they take the same one of the {@link MAX_PENDING_FLOWS} slots (see `slotFor`).
 */
export class FlowCookies {
  private readonly _prefix: string;
  private readonly _attributes: string;

  constructor(private readonly _settings: FlowCookieSettings) {
    this._prefix = _settings.secure ? '__Host-ce-connect-flow-' : 'ce-connect-flow-';
    const path = _settings.secure ? '/' : _settings.path || '/';
    this._attributes = `Path=${path}; HttpOnly; SameSite=Lax${_settings.secure ? '; Secure' : ''}`;
  }

  /** The Set-Cookie value that records `flow` for `maxAgeMs`; throws {@link FlowCookieTooLargeError} past 4096 bytes. */
  serialize(flow: PendingFlow, maxAgeMs: number): string {
    const payload = Buffer.from(
      JSON.stringify({ s: flow.state, e: flow.element, x: flow.expiresAt, ...(flow.name && { n: flow.name }), ...writeFlowExtras(flow) }),
    ).toString('base64url');
    const value = `${payload}.${this._sign(flow.cookieName, payload)}`;
    // Base64url and our cookie names are ASCII: length is bytes.
    if (flow.cookieName.length + 1 + value.length > MAX_COOKIE_BYTES) throw new FlowCookieTooLargeError();
    return `${flow.cookieName}=${value}; Max-Age=${Math.ceil(maxAgeMs / 1000)}; ${this._attributes}`;
  }

  /** The Set-Cookie value that deletes the cookie `name`. */
  clear(name: string): string {
    return `${name}=; Max-Age=0; ${this._attributes}`;
  }

  /**
   * The cookie name for a new flow of `element`: one of {@link MAX_PENDING_FLOWS} fixed slots, none of `taken`
   * (the flows that stay). Fixed names are what bound the cookies a browser holds whatever the sequence of
   * starts: concurrent ones cannot see each other's cookies, and with a fresh name each, ten of them left ten
   * more (dozens make every request under the cookie's path fail with 431 until they expire). The search starts
   * at a slot derived from the element, so concurrent starts for different elements seldom share one; when two
   * do, the later answer's flow is the one that can complete.
   */
  slotFor(element: string, taken: readonly string[]): string {
    const first = createHash('sha256').update(element).digest()[0]!;
    const slots = Array.from({ length: MAX_PENDING_FLOWS }, (_, i) => this._prefix + ((first + i) % MAX_PENDING_FLOWS));
    // The caller keeps fewer than MAX_PENDING_FLOWS flows, so a slot is always free.
    return slots.find((name) => !taken.includes(name)) ?? slots[0]!;
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
      const flowName = isInstanceName(n) ? n : undefined;
      const extras = readFlowExtras(record);
      if (!extras) return undefined;
      return { cookieName: name, state: s, element: e, expiresAt: x, ...(flowName && { name: flowName }), ...extras };
    } catch {
      return undefined;
    }
  }
}
