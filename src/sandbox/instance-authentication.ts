import {
  hasOAuth1Flow,
  SANDBOX_JIRA_SITE,
  SANDBOX_PASSWORD,
  SANDBOX_USERNAME,
  siteProblem,
  type CredentialField,
  type SandboxElement,
} from './catalogue.js';
import type { SandboxContext } from './context.js';
import { readEventSettings, type EventSettings } from './events.js';
import type { Registration } from './store.js';

/**
 * How `POST` and `PUT /instances` authenticate an instance the way its element does: credentials checked as the
 * provider would; OAuth the code (OAuth 2) or the token, verifier and secret (OAuth 1) redeemed and compared with
 * the oauth/url call, after the element's required configuration.
 */

/** A failed check: status, message and what the provider said. */
export type Refusal = readonly [status: number, message: string, providerMessage?: string];

const CODE_REFUSALS: Readonly<Record<'unknown' | 'used' | 'expired', Refusal>> = {
  unknown: [400, 'The OAuth code is not valid', 'invalid_grant: authorization code not found'],
  used: [400, 'The OAuth code has already been used', 'invalid_grant: authorization code already redeemed'],
  expired: [400, 'The OAuth code has expired', 'invalid_grant: expired authorization code'],
};

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isRefusal<T extends object>(value: T | Refusal): value is Refusal {
  return Array.isArray(value);
}

/** What the provider compares when it redeems a code: each configuration value against the OAuth URL call. */
const GRANT_RULES: ReadonlyArray<{ field: string; expected: (r: Registration) => string; refusal: Refusal }> = [
  {
    field: 'oauth.api.key',
    expected: (r) => r.apiKey,
    refusal: [
      400,
      'oauth.api.key does not match the API key used for the OAuth URL',
      'invalid_grant: code was issued to another client',
    ],
  },
  {
    field: 'oauth.api.secret',
    expected: (r) => r.apiSecret,
    refusal: [
      400,
      'oauth.api.secret does not match the API secret used for the OAuth URL',
      'invalid_client: client authentication failed',
    ],
  },
  {
    field: 'oauth.callback.url',
    expected: (r) => r.callbackUrl,
    refusal: [
      400,
      'oauth.callback.url does not match the callback URL used for the OAuth URL',
      'redirect_uri_mismatch',
    ],
  },
];

/** The first way the instance request differs from the grant, if any. */
function checkGrant(
  element: SandboxElement,
  grant: Registration,
  configuration: Record<string, unknown>,
): Refusal | undefined {
  if (grant.element !== element) {
    const message = `The OAuth code was issued for element '${grant.element.key}', not '${element.key}'`;
    return [400, message, 'invalid_grant: code was issued to another client'];
  }
  const differs = GRANT_RULES.find((rule) => configuration[rule.field] !== rule.expected(grant))?.refusal;
  if (differs) return differs;
  const key = element.site?.configurationKey;
  if (key && grant.siteAddress !== undefined && configuration[key] !== grant.siteAddress) {
    return [400, `${key} does not match the siteAddress used for the OAuth URL (${grant.siteAddress})`];
  }
  return undefined;
}

/** The callback's other parameters (QuickBooks realmId, Xero org) must come back in providerData as sent. */
function checkExtras(
  extras: Readonly<Record<string, string>>,
  providerData: Record<string, unknown>,
): Refusal | undefined {
  for (const [name, value] of Object.entries(extras)) {
    if (providerData[name] === undefined)
      return [400, `providerData.${name} is required: the provider's callback carried it`];
    if (providerData[name] !== value)
      return [400, `providerData.${name} does not match the one the provider's callback carried`];
  }
  return undefined;
}

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

/** Cloud Elements' answer to missing configuration entries: it names every one (DEVPORTAL sharepoint-create-instance). */
function missingConfiguration(names: readonly string[]): Refusal | undefined {
  return names.length ? [400, `Missing required configuration: ${names.join(', ')}`] : undefined;
}

/** Required entries present, fixed values as they must be, site entries in their shape. */
function checkConfiguration(
  element: SandboxElement,
  flow: Flow,
  configuration: Record<string, unknown>,
): Refusal | undefined {
  // QuickBooks' OAuth 1 flow is the one without authentication.type=oauth2.
  const skip = new Set(flow === 'oauth1' ? Object.keys(element.oauth2Parameters ?? {}) : []);
  const required = Object.entries(element.requiredConfiguration).filter(([key]) => !skip.has(key));
  const missing = missingConfiguration(required.filter(([key]) => !isPresent(configuration[key])).map(([key]) => key));
  if (missing) return missing;
  for (const [key, { example, fixed }] of required) {
    if (fixed && configuration[key] !== example)
      return [400, `${key} must be "${String(example)}" for ${element.name}`];
  }
  const rule = element.site;
  const siteKey = rule?.configurationKey;
  const siteValue = siteKey ? configuration[siteKey] : undefined;
  if (rule && siteKey && isPresent(siteValue)) {
    const problem =
      typeof siteValue === 'string' ? siteProblem(rule, siteKey, siteValue) : `${siteKey} must be a string`;
    if (problem) return [400, problem];
  }
  return undefined;
}

/**
 * A credentials element: its configuration values are the credentials, checked as the provider would. The real
 * refusal's status and wording are not documented [?]: a 400 with a plain message — not a 401, which Cloud
 * Elements answers for the account's own secrets.
 */
function checkCredentials(element: SandboxElement, configuration: Record<string, unknown>): Refusal | undefined {
  const fields = element.credentials ?? [];
  const missing = missingConfiguration(
    fields.filter((field) => !isPresent(configuration[field.key])).map((field) => field.key),
  );
  if (missing) return missing;
  const keyOf = (type: CredentialField['type']) => fields.find((field) => field.type === type)?.key ?? '';
  const site = configuration[keyOf('url')];
  if (site !== undefined && (typeof site === 'string' ? site.replace(/\/+$/, '') : '') !== SANDBOX_JIRA_SITE) {
    return [400, `Could not connect to the ${element.name} site given in ${keyOf('url')}`, 'HTTP 404 Not Found'];
  }
  const value = (type: CredentialField['type']) => configuration[keyOf(type)];
  if (value('email') !== SANDBOX_USERNAME || value('password') !== SANDBOX_PASSWORD) {
    return [
      400,
      `Invalid credentials: the ${element.name} user name or password is incorrect`,
      'HTTP 401 Unauthorized',
    ];
  }
  return undefined;
}

type Flow = 'oauth1' | 'oauth2';

/** Which flow an instance request of an OAuth element completes: OAuth 1 when it carries an oauth_token. */
function flowOf(element: SandboxElement, providerData: Record<string, unknown>): Flow {
  if (element.auth === 'oauth1') return 'oauth1';
  return hasOAuth1Flow(element) && providerData.code === undefined && providerData.oauth_token !== undefined
    ? 'oauth1'
    : 'oauth2';
}

const OAUTH1_REFUSALS: Readonly<Record<'unknown' | 'used' | 'expired', Refusal>> = {
  unknown: [400, 'The OAuth token is not valid', 'oauth_problem=token_rejected'],
  used: [400, 'The OAuth token has already been used', 'oauth_problem=token_used'],
  expired: [400, 'The OAuth token has expired', 'oauth_problem=token_expired'],
};

/** Redeems the OAuth 2 code or OAuth 1 token of `providerData` and checks it against the request. */
function redeem(
  context: SandboxContext,
  element: SandboxElement,
  flow: Flow,
  providerData: Record<string, unknown>,
  configuration: Record<string, unknown>,
): Refusal | undefined {
  const { store } = context;
  if (flow === 'oauth2') {
    const redemption = store.redeemCode(providerData.code as string);
    if (redemption.status !== 'ok') return CODE_REFUSALS[redemption.status];
    const { registration, extras } = redemption.grant;
    return checkGrant(element, registration, configuration) ?? checkExtras(extras, providerData);
  }
  const redemption = store.redeemRequestToken(providerData.oauth_token as string);
  if (redemption.status !== 'ok') return OAUTH1_REFUSALS[redemption.status];
  const token = redemption.grant;
  if (providerData.oauth_verifier !== token.verifier)
    return [400, 'The OAuth verifier is not valid', 'oauth_problem=verifier_invalid'];
  if (providerData.secret !== token.secret) {
    return [400, 'providerData.secret is not the secret of this request token', 'oauth_problem=signature_invalid'];
  }
  return checkGrant(element, token.registration, configuration) ?? checkExtras(token.extras ?? {}, providerData);
}

/** What must be in providerData before anything is redeemed; the message says what is missing. */
function checkProviderData(flow: Flow, providerData: Record<string, unknown>, action: string): Refusal | undefined {
  const filled = (name: string) => typeof providerData[name] === 'string' && providerData[name] !== '';
  if (flow === 'oauth2') {
    return filled('code') ? undefined : [400, `You must provide an OAuth code in order to ${action}`];
  }
  const missing = ['oauth_token', 'oauth_verifier', 'secret'].filter((name) => !filled(name));
  return missing.length
    ? [400, `You must provide ${missing.join(', ')} in providerData in order to ${action}`]
    : undefined;
}

/**
 * Authenticates an instance request the way its element does — credentials checked; OAuth: configuration
 * first (nothing spent on a request Cloud Elements refuses anyway), then the code or token redeemed — and reads
 * its event settings. Answers the refusal, or the event settings to apply.
 */
export function authenticate(
  context: SandboxContext,
  element: SandboxElement,
  body: Record<string, unknown>,
  configuration: Record<string, unknown>,
  action: string,
): Refusal | { events: EventSettings | undefined } {
  const events = readEventSettings(element.key, configuration);
  if (typeof events === 'string') return [400, events];
  if (element.auth === 'credentials') return checkCredentials(element, configuration) ?? { events };
  const providerData = isRecord(body.providerData) ? body.providerData : {};
  const flow = flowOf(element, providerData);
  return (
    checkProviderData(flow, providerData, action) ??
    checkConfiguration(element, flow, configuration) ??
    redeem(context, element, flow, providerData, configuration) ?? { events }
  );
}
