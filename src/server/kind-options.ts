import { parseWebUrl } from '../node/url-rules.js';
import type { CredentialField, ElementConfig } from './types.js';

/**
 * The option rules of the sign-in kinds (docs/kinds.md): an element's `auth`, a credentials element's `fields`,
 * an OAuth 1 element's callback URL, and the handler's `appName` and `origin`. Each failure is a TypeError naming
 * the option, thrown through `fail` of options.ts.
 */

type Fail = (message: string) => never;

/** A credentials field key: a Cloud Elements configuration key. */
const FIELD_KEY = /^[A-Za-z0-9_.-]{1,128}$/;
const FIELD_TYPES: ReadonlySet<string> = new Set(['text', 'password', 'email', 'url']);
/** A label or help line: printable, one line, bounded. */
const LINE = /^[^\p{Cc}]{1,200}$/u;
/** Most inputs one form may hold. */
const MAX_FIELDS = 20;

/** The element's sign-in kind, validated; default `oauth2`. */
export function resolveAuth(key: string, value: unknown, fail: Fail): 'oauth2' | 'oauth1' | 'credentials' {
  if (value === undefined) return 'oauth2';
  if (value !== 'oauth2' && value !== 'oauth1' && value !== 'credentials')
    fail(`elements.${key}.auth must be "oauth2", "oauth1" or "credentials"`);
  return value;
}

/** Validates and freezes a credentials element's `fields`: unique configuration keys, labelled, of a known type. */
export function resolveFields(
  key: string,
  value: unknown,
  configuration: Readonly<Record<string, unknown>>,
  fail: Fail,
): readonly CredentialField[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_FIELDS) {
    fail(`elements.${key}.fields must be an array of 1 to ${MAX_FIELDS} fields {key, label, type?, required?, help?}`);
  }
  const seen = new Set<string>();
  return Object.freeze(
    value.map((entry: unknown, index): CredentialField => {
      const where = `elements.${key}.fields[${index}]`;
      if (typeof entry !== 'object' || entry === null)
        fail(`${where} must be an object {key, label, type?, required?, help?}`);
      const { key: name, label, type, required, help } = entry as Partial<CredentialField>;
      if (typeof name !== 'string' || !FIELD_KEY.test(name)) fail(`${where}.key must match [A-Za-z0-9_.-]{1,128}`);
      if (seen.has(name)) fail(`${where}.key "${name}" is used twice`);
      seen.add(name);
      if (/^oauth\./i.test(name)) fail(`${where}.key must not be an oauth.* setting`);
      if (Object.hasOwn(configuration, name))
        fail(`${where}.key "${name}" is also set in elements.${key}.configuration`);
      if (typeof label !== 'string' || !LINE.test(label))
        fail(`${where}.label must be a non-empty line of at most 200 characters`);
      if (type !== undefined && !FIELD_TYPES.has(type))
        fail(`${where}.type must be "text", "password", "email" or "url"`);
      if (required !== undefined && typeof required !== 'boolean') fail(`${where}.required must be a boolean`);
      if (help !== undefined && (typeof help !== 'string' || !LINE.test(help)))
        fail(`${where}.help must be a line of at most 200 characters`);
      return Object.freeze({
        key: name,
        label,
        type: type ?? 'text',
        required: required ?? true,
        ...(help !== undefined && { help }),
      });
    }),
  );
}

/** A credentials element takes no OAuth app: refuses `apiKey`, `apiSecret`, `callbackUrl` and `scope`. */
export function refuseOAuthSettings(key: string, config: Readonly<Record<string, unknown>>, fail: Fail): void {
  for (const name of ['apiKey', 'apiSecret', 'callbackUrl', 'scope']) {
    if (config[name] !== undefined)
      fail(`elements.${key}.${name} must not be set for a credentials element (it signs in without OAuth)`);
  }
}

/**
 * OAuth 1 completes only through flow 4a: the provider's callback carries no state of ours, so the handler must
 * find the flow by its request token in the flow cookie, which only the callback route can read.
 */
export function checkOAuth1Callback(key: string, config: Readonly<ElementConfig>, basePath: string, fail: Fail): void {
  if (config.auth === 'oauth1' && new URL(config.callbackUrl).pathname !== `${basePath}/${key}/oauth/callback`) {
    fail(
      `elements.${key}.callbackUrl must be the handler's callback route ${basePath}/${key}/oauth/callback: OAuth 1 completes only there`,
    );
  }
}

/** `elements[key].displayName`: a non-empty line, or undefined. */
export function resolveDisplayName(key: string, value: unknown, fail: Fail): string | undefined {
  if (value !== undefined && (typeof value !== 'string' || !LINE.test(value.trim())))
    fail(`elements.${key}.displayName must be a non-empty line of at most 200 characters`);
  return typeof value === 'string' ? value.trim() : undefined;
}

/**
 * The origin the handler serves its pages on: `origin`, else the one origin of the callback URLs. A credentials
 * element needs it (its form's URL and the `Origin` its post must carry); without one, a TypeError.
 */
export function resolveOwnOrigin(
  value: unknown,
  elements: ReadonlyMap<string, Readonly<ElementConfig>>,
  fail: Fail,
): string | undefined {
  if (value !== undefined) {
    const url = parseWebUrl(value, true);
    if (!url || url.origin !== value)
      fail('origin must be an origin such as "https://app.example" (http only for loopback hosts)');
    return value as string;
  }
  const origins = new Set(
    [...elements.values()].filter((e) => e.auth !== 'credentials').map((e) => new URL(e.callbackUrl).origin),
  );
  const credentials = [...elements.values()].some((e) => e.auth === 'credentials');
  if (origins.size === 1) return [...origins][0];
  if (credentials) fail('origin must be set (the origin the handler is served on): a credentials element needs it');
  return undefined;
}
