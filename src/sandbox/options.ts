/** Options that shape a scenario; all of them can change at run time through `configure()`. */
export interface SandboxScenario {
  /** Origin used in the OAuth URLs the sandbox hands out; default: the origin of the request URL. */
  publicUrl?: string;
  /** App name shown on the consent pages; default "Your app". */
  appName?: string;
  /** Consent pages send `Cross-Origin-Opener-Policy: same-origin`, like many real providers. */
  coop?: boolean;
  /** Milliseconds every API response (under `/elements/api-v2`) is delayed. */
  latencyMs?: number;
  /**
   * Answer the OAuth URL call and/or instance creation and re-authorisation (`POST`, `PUT /instances/{id}`) with
   * this HTTP status and a Cloud Elements error body.
   */
  fail?: { oauthUrl?: number; instances?: number };
  /** Milliseconds an authorization code stays redeemable; default 60000. */
  codeTtlMs?: number;
  /** Decide on the consent page without showing it (a 303 straight back), for headless tests. */
  autoDecision?: 'allow' | 'deny';
  /**
   * Waits before each retry of a failed event delivery; its length is the number of retries. Default
   * `[1000, 4000, 16000]`: Cloud Elements' 2^(2x) back-off, in seconds instead of hours.
   */
  retryDelaysMs?: readonly number[];
  /** How long one event delivery may take before it counts as failed; default 10000. */
  deliveryTimeoutMs?: number;
}

/** Options of `createSandbox`. */
export interface SandboxOptions extends SandboxScenario {
  /** User secret the sandbox accepts; default `sandbox-user-secret`. */
  userSecret?: string;
  /** Organization secret the sandbox accepts; default `sandbox-organization-secret`. */
  organizationSecret?: string;
  /**
   * For tests: the clock the sandbox reads (epoch milliseconds), for code and consent-page expiry and the
   * instances' `createdDate`; default `Date.now`. Fixed at creation (`configure()` cannot change it);
   * `latencyMs` stays a real timer.
   */
  now?: () => number;
}

/** Options after defaults and validation. */
export interface ResolvedSandboxOptions {
  readonly userSecret: string;
  readonly organizationSecret: string;
  readonly publicOrigin: string | undefined;
  readonly appName: string;
  readonly coop: boolean;
  readonly latencyMs: number;
  readonly fail: { readonly oauthUrl?: number; readonly instances?: number };
  readonly codeTtlMs: number;
  readonly autoDecision: 'allow' | 'deny' | undefined;
  readonly retryDelaysMs: readonly number[];
  readonly deliveryTimeoutMs: number;
}

/** Default waits between event delivery attempts (Cloud Elements' 2^(2x) back-off, in seconds). */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = Object.freeze([1000, 4000, 16000]);

/** Default User secret of the sandbox. */
export const DEFAULT_USER_SECRET = 'sandbox-user-secret';
/** Default Organization secret of the sandbox. */
export const DEFAULT_ORGANIZATION_SECRET = 'sandbox-organization-secret';

function fail(message: string): never {
  throw new TypeError(`ce-connect/sandbox: ${message}`);
}

/** Longest delay `setTimeout` honours: a larger one fires after 1 ms. */
export const MAX_LATENCY_MS = 2 ** 31 - 1;

function nonNegative(value: unknown, name: string, fallback: number, max = Number.MAX_VALUE): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) {
    fail(`${name} must be a number ≥ 0${max < Number.MAX_VALUE ? ` and ≤ ${max}` : ''}`);
  }
  return value;
}

function failStatus(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 400 || value > 599) {
    fail(`${name} must be an HTTP error status (400–599)`);
  }
  return value;
}

function publicOrigin(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  try {
    const url = new URL(value as string);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.origin;
  } catch {
    // Reported below.
  }
  return fail('publicUrl must be an absolute http(s) URL');
}

function retryDelays(value: unknown): readonly number[] {
  if (value === undefined) return DEFAULT_RETRY_DELAYS_MS;
  if (!Array.isArray(value) || value.length > 20) fail('retryDelaysMs must be an array of at most 20 delays');
  return Object.freeze(
    value.map((delay: unknown, index) => nonNegative(delay, `retryDelaysMs[${index}]`, 0, MAX_LATENCY_MS)),
  );
}

/** Validates the `now` option; the default reads `Date.now` at each call. */
export function resolveClock(value: unknown): () => number {
  if (value === undefined) return () => Date.now();
  if (typeof value !== 'function') fail('now must be a function returning epoch milliseconds');
  return value as () => number;
}

/** Applies defaults and validates; `previous` supplies the values a partial update leaves alone. */
export function resolveSandboxOptions(
  options: SandboxOptions,
  previous?: ResolvedSandboxOptions,
): ResolvedSandboxOptions {
  const secret = (value: unknown, name: string, fallback: string) => {
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || value === '' || /[\s,]/.test(value)) {
      fail(`${name} must be a non-empty string without spaces or commas`);
    }
    return value;
  };
  if (options.autoDecision !== undefined && options.autoDecision !== 'allow' && options.autoDecision !== 'deny') {
    fail('autoDecision must be "allow" or "deny"');
  }
  const has = (key: keyof SandboxOptions) => Object.prototype.hasOwnProperty.call(options, key);
  const failOption = has('fail') ? (options.fail ?? {}) : (previous?.fail ?? {});
  return {
    userSecret: secret(options.userSecret, 'userSecret', previous?.userSecret ?? DEFAULT_USER_SECRET),
    organizationSecret: secret(
      options.organizationSecret,
      'organizationSecret',
      previous?.organizationSecret ?? DEFAULT_ORGANIZATION_SECRET,
    ),
    publicOrigin: has('publicUrl') ? publicOrigin(options.publicUrl) : previous?.publicOrigin,
    appName: has('appName') ? String(options.appName ?? 'Your app').slice(0, 80) : (previous?.appName ?? 'Your app'),
    coop: has('coop') ? options.coop === true : (previous?.coop ?? false),
    latencyMs: nonNegative(options.latencyMs, 'latencyMs', previous?.latencyMs ?? 0, MAX_LATENCY_MS),
    fail: {
      oauthUrl: failStatus(failOption.oauthUrl, 'fail.oauthUrl'),
      instances: failStatus(failOption.instances, 'fail.instances'),
    },
    codeTtlMs: nonNegative(options.codeTtlMs, 'codeTtlMs', previous?.codeTtlMs ?? 60_000),
    autoDecision: has('autoDecision') ? options.autoDecision : previous?.autoDecision,
    retryDelaysMs: has('retryDelaysMs')
      ? retryDelays(options.retryDelaysMs)
      : (previous?.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS),
    deliveryTimeoutMs: nonNegative(
      options.deliveryTimeoutMs,
      'deliveryTimeoutMs',
      previous?.deliveryTimeoutMs ?? 10_000,
      MAX_LATENCY_MS,
    ),
  };
}
