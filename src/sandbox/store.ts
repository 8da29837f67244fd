import { randomBytes } from 'node:crypto';
import type { SandboxElement } from './catalogue.js';

/** The app details of one oauth/url (or oauth/token) call: what the "provider" will later hold a grant to. */
export interface Registration {
  readonly element: SandboxElement;
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly callbackUrl: string;
  readonly siteAddress?: string;
}

/** An OAuth 1 request token from `oauth/token`, and what the consent page added to it. */
export interface RequestToken {
  readonly registration: Registration;
  readonly secret: string;
  /** Until Allow, the request token's lifetime; after it, the verifier's (the code lifetime). */
  expiresAt: number;
  /** Set by Allow on the consent page: the verifier and the callback's other parameters. */
  verifier?: string;
  extras?: Readonly<Record<string, string>>;
  used: boolean;
}

/** A consent page that was shown and awaits Allow or Deny. */
export interface PendingConsent {
  readonly registration: Registration;
  readonly state: string | undefined;
  readonly scope: string | undefined;
  readonly expiresAt: number;
  /** The OAuth 1 request token the page authorises; absent for OAuth 2. */
  readonly requestToken?: string;
}

/** A redeemable OAuth 2 code: the app it was granted to and the callback's other parameters (QuickBooks realmId). */
export interface Grant {
  readonly registration: Registration;
  readonly extras: Readonly<Record<string, string>>;
}

/** What redeeming a code or a request token found. */
export type Redemption<T = Grant> =
  { readonly status: 'ok'; readonly grant: T } | { readonly status: 'unknown' | 'used' | 'expired' };

/** A created instance as the sandbox stores and returns it (Cloud Elements reference §5.3). */
export interface SandboxInstance {
  id: number;
  name: string;
  createdDate: string;
  token: string;
  element: Record<string, unknown> & { id: number; key: string; name: string };
  elementId: number;
  tags: string[];
  provisionInteractions: unknown[];
  valid: boolean;
  disabled: boolean;
  maxCacheSize: number;
  cacheTimeToLive: number;
  configuration: Record<string, unknown>;
  eventsEnabled: boolean;
  traceLoggingEnabled: boolean;
  cachingEnabled: boolean;
  externalAuthentication: string;
  user: { id: number; emailAddress: string; firstName: string; lastName: string };
}

/** Upper bound on remembered registrations and open consent pages; the oldest are forgotten first. */
const MAX_REMEMBERED = 1000;
const CONSENT_TTL_MS = 10 * 60 * 1000;

function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_REMEMBERED) map.delete(map.keys().next().value as K);
}

/** Everything the emulator remembers between requests. */
export class SandboxStore {
  private readonly _registrations = new Map<string, Registration>();
  private readonly _consents = new Map<string, PendingConsent>();
  private readonly _codes = new Map<string, { grant: Grant; expiresAt: number; used: boolean }>();
  private readonly _requestTokens = new Map<string, RequestToken>();
  private readonly _instances = new Map<number, SandboxInstance>();
  private _nextInstanceId = 4001;

  constructor(private readonly _now: () => number = Date.now) {}

  /** The sandbox's clock, in epoch milliseconds. */
  now(): number {
    return this._now();
  }

  /** Records an OAuth URL call; a later call with the same element, key and callback replaces it. */
  register(registration: Registration): void {
    const { element, apiKey, callbackUrl } = registration;
    remember(this._registrations, this._registrationKey(element.key, apiKey, callbackUrl), registration);
  }

  /** The registration a consent request refers to, matched like a provider does: client id and redirect URI. */
  findRegistration(elementKey: string, clientId: string, redirectUri: string): Registration | undefined {
    return this._registrations.get(this._registrationKey(elementKey, clientId, redirectUri));
  }

  /** Opens a consent page and returns its unguessable id (the Allow/Deny form posts it back). */
  openConsent(consent: Omit<PendingConsent, 'expiresAt'>): string {
    const id = randomBytes(18).toString('base64url');
    remember(this._consents, id, { ...consent, expiresAt: this._now() + CONSENT_TTL_MS });
    return id;
  }

  /** Takes a consent page out of the store; each can be decided once. */
  takeConsent(id: string): PendingConsent | undefined {
    const consent = this._consents.get(id);
    this._consents.delete(id);
    return consent && consent.expiresAt > this._now() ? consent : undefined;
  }

  /** Issues a single-use authorization code bound to the registration it was granted to. */
  issueCode(grant: Grant, ttlMs: number): string {
    this._forgetStaleCodes();
    const code = randomBytes(15).toString('base64url');
    this._codes.set(code, { grant, expiresAt: this._now() + ttlMs, used: false });
    return code;
  }

  /** Redeems a code: any attempt uses it up, successful or not, as strict providers do. */
  redeemCode(code: string): Redemption {
    const entry = this._codes.get(code);
    if (!entry) return { status: 'unknown' };
    if (entry.used) return { status: 'used' };
    entry.used = true;
    if (entry.expiresAt <= this._now()) return { status: 'expired' };
    return { status: 'ok', grant: entry.grant };
  }

  /** Issues an OAuth 1 request token and its secret for `oauth/token`, valid for `ttlMs`. */
  issueRequestToken(registration: Registration, ttlMs: number): { token: string; secret: string } {
    const token = `${registration.element.key}${randomBytes(24).toString('hex')}`;
    const secret = randomBytes(18).toString('base64url');
    remember(this._requestTokens, token, { registration, secret, expiresAt: this._now() + ttlMs, used: false });
    return { token, secret };
  }

  /** An unexpired, unused request token (for oauth/url and the consent page). */
  findRequestToken(token: string): RequestToken | undefined {
    const entry = this._requestTokens.get(token);
    return entry && !entry.used && entry.expiresAt > this._now() ? entry : undefined;
  }

  /** Redeems an authorised request token: any attempt uses it up, as `redeemCode` does. */
  redeemRequestToken(token: string): Redemption<RequestToken> {
    const entry = this._requestTokens.get(token);
    if (!entry || entry.verifier === undefined) return { status: 'unknown' };
    if (entry.used) return { status: 'used' };
    entry.used = true;
    if (entry.expiresAt <= this._now()) return { status: 'expired' };
    return { status: 'ok', grant: entry };
  }

  /** Stores a new instance under the next id. */
  addInstance(build: (id: number) => SandboxInstance): SandboxInstance {
    const instance = build(this._nextInstanceId++);
    this._instances.set(instance.id, instance);
    return instance;
  }

  /** An instance by id. */
  getInstance(id: number): SandboxInstance | undefined {
    return this._instances.get(id);
  }

  /** Deletes an instance; false when there was none. */
  deleteInstance(id: number): boolean {
    return this._instances.delete(id);
  }

  /** All instances, oldest first. */
  listInstances(): SandboxInstance[] {
    return [...this._instances.values()];
  }

  /** Forgets everything. */
  clear(): void {
    this._registrations.clear();
    this._consents.clear();
    this._codes.clear();
    this._requestTokens.clear();
    this._instances.clear();
    this._nextInstanceId = 4001;
  }

  private _registrationKey(elementKey: string, apiKey: string, callbackUrl: string): string {
    return JSON.stringify([elementKey, apiKey, callbackUrl]);
  }

  // Used and expired codes are kept for a minute after expiry so a replay still gets the precise message.
  private _forgetStaleCodes(): void {
    const cutoff = this._now() - 60_000;
    for (const [code, entry] of this._codes) if (entry.expiresAt < cutoff) this._codes.delete(code);
  }
}
