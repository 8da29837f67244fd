import { elementDisplayName } from '../elements.js';

/**
 * The elements the sandbox emulates, each modelled on what the real Cloud Elements element wants: its auth type,
 * what oauth/url needs, what the provider's callback carries back and what `POST /instances` requires. Sources
 * are Cloud Elements' own documentation source (`cloud-elements/devportal`, "DEVPORTAL"), its API test suite
 * ("CHURROS"), its connect UI and sample apps, and the later Help Center ("KB"). Where no source says, the sandbox
 * takes the stricter reading and says so beside the entry. Per element, see `docs/elements.md`.
 */

/** How an element authenticates: OAuth 2 code flow, OAuth 1.0a request-token flow, or configuration values. */
export type SandboxAuth = 'oauth2' | 'oauth1' | 'credentials';

/** The shape a `siteAddress` (and the configuration entry that repeats it) must have. */
export type SiteShape = 'subdomain' | 'host' | 'https-url';

/** What an element needs as `siteAddress` on oauth/url (and oauth/token). */
export interface SiteRule {
  readonly required: boolean;
  readonly shape: SiteShape;
  /** An example value, quoted in error messages. */
  readonly example: string;
  /** The configuration entry of `POST /instances` that must repeat the same value. */
  readonly configurationKey?: string;
}

/** A required configuration entry: an example value, and whether the value must be exactly that. */
export interface ConfigurationRequirement {
  readonly example: string | boolean;
  readonly fixed?: boolean;
}

/** One input of a credentials element (`POST /instances` configuration key). */
export interface CredentialField {
  readonly key: string;
  readonly label: string;
  readonly type: 'text' | 'password' | 'email' | 'url';
}

/** One element the sandbox emulates, with what its provider consent page looks like. */
export interface SandboxElement {
  /** Cloud Elements element key. */
  readonly key: string;
  /** Numeric element id (the sandbox's own; real ids differ per environment). */
  readonly id: number;
  /** Display name: the package's own name for the element, else the catalogue's. */
  readonly name: string;
  /** Brand colour of the provider, as a CSS hex colour. */
  readonly brandColour: string;
  /** Cloud Elements hub the element belongs to. */
  readonly hub: string;
  /** How a host connects it (QuickBooks: OAuth 2 when asked for it, see `oauth2Parameters`). */
  readonly auth: SandboxAuth;
  /** Path of the provider's OAuth 2 authorize endpoint, imitated under `/oauth/{key}`. */
  readonly authorizePath?: string;
  /** Path of the provider's OAuth 1 authorize endpoint, for elements with an OAuth 1 flow. */
  readonly oauth1AuthorizePath?: string;
  /**
   * oauth/url parameters that select the OAuth 2 flow of an element whose default is OAuth 1 (QuickBooks
   * `authentication.type=oauth2`); without them oauth/url needs a request token, as for any OAuth 1 element.
   */
  readonly oauth2Parameters?: Readonly<Record<string, string>>;
  /** Scope Cloud Elements requests when the caller gives none; absent where `scope` is required. */
  readonly defaultScope?: string;
  /** For an element whose oauth/url requires `scope` (no default applies): an example scope. */
  readonly requiredScope?: string;
  /** Separator of the scope list the provider takes (Slack: comma; every other element: space). */
  readonly scopeSeparator?: ' ' | ',';
  /** Whether Cloud Elements' OAuth URL for this element carries `client_secret` (as documented for sfdc). */
  readonly echoesClientSecret?: boolean;
  /** `siteAddress` on oauth/url (and oauth/token). */
  readonly site?: SiteRule;
  /** Configuration entries `POST /instances` requires (besides the key, secret and callback URL). */
  readonly requiredConfiguration: Readonly<Record<string, ConfigurationRequirement>>;
  /** Parameters the provider's callback carries besides code/state (or oauth_token/oauth_verifier); each required in `providerData`. */
  readonly callbackExtras: readonly string[];
  /** What an OAuth 1 fallback's callback carries besides oauth_token/oauth_verifier (QuickBooks: realmId, dataSource). */
  readonly oauth1CallbackExtras?: readonly string[];
  /** The configuration inputs of a credentials element. */
  readonly credentials?: readonly CredentialField[];
}

/** A catalogue entry; `name` only for elements the package's browser-side name list leaves out. */
type Entry = Omit<SandboxElement, 'name' | 'requiredConfiguration' | 'callbackExtras'> & {
  readonly name?: string;
  readonly requiredConfiguration?: Readonly<Record<string, ConfigurationRequirement>>;
  readonly callbackExtras?: readonly string[];
};

/** The user name every credentials element of the sandbox accepts. */
export const SANDBOX_USERNAME = 'demo@example.com';
/** The password (Jira: API token) every credentials element of the sandbox accepts. */
export const SANDBOX_PASSWORD = 'sandbox-password';
/** The Jira site (`base.url`) the sandbox accepts. */
export const SANDBOX_JIRA_SITE = 'https://acme.atlassian.net';

const ENTRIES: readonly Entry[] = [
  // DEVPORTAL salesforce-create-instance: optional siteAddress (https://test.salesforce.com for sandbox orgs).
  {
    key: 'sfdc',
    id: 1001,
    brandColour: '#00A1E0',
    hub: 'crm',
    auth: 'oauth2',
    authorizePath: '/services/oauth2/authorize',
    defaultScope: 'full refresh_token',
    echoesClientSecret: true,
    site: { required: false, shape: 'https-url', example: 'https://test.salesforce.com' },
  },
  // DEVPORTAL hubspot authenticate: scope optional (a default applies); SAMPLE ce-util.js sends
  // authentication.type "oauth2" in the configuration (the element also takes an API key): required here.
  {
    key: 'hubspot',
    id: 1002,
    brandColour: '#FF7A59',
    hub: 'marketing',
    auth: 'oauth2',
    authorizePath: '/oauth/authorize',
    defaultScope: 'contacts content',
    requiredConfiguration: { 'authentication.type': { example: 'oauth2', fixed: true } },
  },
  {
    key: 'hubspotcrm',
    name: 'HubSpot CRM',
    id: 1003,
    brandColour: '#FF7A59',
    hub: 'crm',
    auth: 'oauth2',
    authorizePath: '/oauth/authorize',
    defaultScope: 'crm.objects.contacts.read',
    requiredConfiguration: { 'authentication.type': { example: 'oauth2', fixed: true } },
  },
  {
    key: 'box',
    id: 1004,
    brandColour: '#0061D5',
    hub: 'documents',
    auth: 'oauth2',
    authorizePath: '/api/oauth2/authorize',
  },
  {
    key: 'dropbox',
    id: 1005,
    brandColour: '#0061FF',
    hub: 'documents',
    auth: 'oauth2',
    authorizePath: '/1/oauth2/authorize',
  },
  {
    key: 'googledrive',
    id: 1006,
    brandColour: '#1FA463',
    hub: 'documents',
    auth: 'oauth2',
    authorizePath: '/o/oauth2/auth',
    defaultScope: 'https://www.googleapis.com/auth/drive',
  },
  // DEVPORTAL onedrive authenticate: scope "files.readwrite offline_access" and configuration converged_app; the
  // docs do not say either may be left out: both required here (stricter reading).
  {
    key: 'onedrivev2',
    id: 1007,
    brandColour: '#0078D4',
    hub: 'documents',
    auth: 'oauth2',
    authorizePath: '/common/oauth2/v2.0/authorize',
    requiredScope: 'files.readwrite offline_access',
    requiredConfiguration: { converged_app: { example: true } },
  },
  // DEVPORTAL sharepoint-create-instance: siteAddress "required if hosted" (always required here, stricter), a
  // host name (yoursite.sharepoint.com); configuration sharepoint.site.address, sharepoint.document.library, oauth.scope.
  {
    key: 'sharepoint',
    id: 1008,
    brandColour: '#038387',
    hub: 'documents',
    auth: 'oauth2',
    authorizePath: '/_layouts/15/OAuthAuthorize.aspx',
    defaultScope: 'Web.Write Web.Read Web.Manage',
    echoesClientSecret: true,
    site: {
      required: true,
      shape: 'host',
      example: 'acme.sharepoint.com',
      configurationKey: 'sharepoint.site.address',
    },
    requiredConfiguration: {
      'sharepoint.site.address': { example: 'acme.sharepoint.com' },
      'sharepoint.document.library': { example: 'Shared Documents' },
      'oauth.scope': { example: 'Web.Write Web.Read Web.Manage' },
    },
  },
  // DEVPORTAL quickbooksonline authenticate: OAuth 1.0 unless oauth/url asks for authentication.type=oauth2 and
  // scope=com.intuit.quickbooks.accounting; the OAuth 2 callback carries realmId, which providerData must carry
  // (a missing one refused: stricter reading of "must be forwarded"); the OAuth 1 callback adds realmId and dataSource.
  {
    key: 'quickbooks',
    id: 1009,
    brandColour: '#2CA01C',
    hub: 'finance',
    auth: 'oauth2',
    authorizePath: '/connect/oauth2',
    oauth1AuthorizePath: '/Connect/Begin',
    oauth2Parameters: { 'authentication.type': 'oauth2' },
    requiredScope: 'com.intuit.quickbooks.accounting',
    requiredConfiguration: { 'authentication.type': { example: 'oauth2', fixed: true } },
    callbackExtras: ['realmId'],
    oauth1CallbackExtras: ['realmId', 'dataSource'],
  },
  // DEVPORTAL zendesk authenticate: siteAddress and zendesk.subdomain are the bare subdomain ("acme", not a URL).
  {
    key: 'zendesk',
    id: 1010,
    brandColour: '#03363D',
    hub: 'helpdesk',
    auth: 'oauth2',
    authorizePath: '/oauth/authorizations/new',
    defaultScope: 'read write',
    site: { required: true, shape: 'subdomain', example: 'acme', configurationKey: 'zendesk.subdomain' },
    requiredConfiguration: { 'zendesk.subdomain': { example: 'acme' } },
  },
  // DEVPORTAL slack-create-instance: scope comma-separated on oauth/url and again as oauth.scope.
  {
    key: 'slack',
    id: 1011,
    brandColour: '#4A154B',
    hub: 'collaboration',
    auth: 'oauth2',
    authorizePath: '/oauth/authorize',
    requiredScope: 'channels:read,chat:write',
    scopeSeparator: ',',
    requiredConfiguration: { 'oauth.scope': { example: 'channels:read,chat:write' } },
  },
  // DEVPORTAL shopify authenticate, SAMPLE ce-util.js: the shop as siteAddress, shopify.site.address = the shop
  // name only, and oauth.scope. siteAddress required here (stricter: nothing says it may be left out).
  {
    key: 'shopify',
    name: 'Shopify',
    id: 1012,
    brandColour: '#5E8E3E',
    hub: 'ecommerce',
    auth: 'oauth2',
    authorizePath: '/admin/oauth/authorize',
    defaultScope: 'read_orders read_products',
    site: { required: true, shape: 'subdomain', example: 'acme-store', configurationKey: 'shopify.site.address' },
    requiredConfiguration: {
      'shopify.site.address': { example: 'acme-store' },
      'oauth.scope': { example: 'read_orders read_products' },
    },
  },
  // DEVPORTAL docusign-create-instance: docusign.environment (e.g. demo); its oauth/url inputs are unknown [?]:
  // modelled as plain OAuth 2, the configuration entry required.
  {
    key: 'docusign',
    name: 'DocuSign',
    id: 1013,
    brandColour: '#4C00FF',
    hub: 'esignature',
    auth: 'oauth2',
    authorizePath: '/oauth/auth',
    defaultScope: 'signature',
    requiredConfiguration: { 'docusign.environment': { example: 'demo' } },
  },
  // DEVPORTAL _archive/xero authenticate: OAuth 1 with a request token; providerData {oauth_token, oauth_verifier,
  // org, secret} — the callback carries org. (The KB's later OAuth 2 + tenant id flow is undocumented in detail [?].)
  {
    key: 'xero',
    name: 'Xero',
    id: 1014,
    brandColour: '#13B5EA',
    hub: 'finance',
    auth: 'oauth1',
    oauth1AuthorizePath: '/oauth/Authorize',
    callbackExtras: ['org'],
  },
  // DEVPORTAL jira-create-instance: basic authentication with username, password (an API token) and base.url.
  {
    key: 'jira',
    name: 'Jira',
    id: 1015,
    brandColour: '#0052CC',
    hub: 'helpdesk',
    auth: 'credentials',
    credentials: [
      { key: 'username', label: 'User name (email)', type: 'email' },
      { key: 'password', label: 'API token', type: 'password' },
      { key: 'base.url', label: 'Jira site', type: 'url' },
    ],
  },
  // DEVPORTAL zohocrm-create-instance: user name and password, no OAuth (Zoho's OAuth 2 is zohocrmv2).
  {
    key: 'zohocrm',
    name: 'Zoho CRM',
    id: 1016,
    brandColour: '#E42527',
    hub: 'crm',
    auth: 'credentials',
    credentials: [
      { key: 'crm.zohocrm.username', label: 'User name', type: 'email' },
      { key: 'crm.zohocrm.password', label: 'Password', type: 'password' },
    ],
  },
  // KB zohocrmv2-authenticate: plain OAuth 2 (apiKey, apiSecret, callbackUrl).
  {
    key: 'zohocrmv2',
    name: 'Zoho CRM (OAuth 2)',
    id: 1017,
    brandColour: '#E42527',
    hub: 'crm',
    auth: 'oauth2',
    authorizePath: '/oauth/v2/auth',
    defaultScope: 'ZohoCRM.modules.ALL',
  },
  // DEVPORTAL twitter-create-instance: OAuth 1 (request token, then oauth_token and oauth_verifier).
  {
    key: 'twitter',
    name: 'Twitter',
    id: 1018,
    brandColour: '#1DA1F2',
    hub: 'social',
    auth: 'oauth1',
    oauth1AuthorizePath: '/oauth/authorize',
  },
  // DEVPORTAL evernote authenticate: OAuth 1 with siteAddress (https://sandbox.evernote.com or https://www.evernote.com)
  // on oauth/token and oauth/url; configuration oauth.request.url and evernote.sandbox (both required here).
  {
    key: 'evernote',
    name: 'Evernote',
    id: 1019,
    brandColour: '#00A82D',
    hub: 'documents',
    auth: 'oauth1',
    oauth1AuthorizePath: '/OAuth.action',
    site: { required: true, shape: 'https-url', example: 'https://sandbox.evernote.com' },
    requiredConfiguration: {
      'oauth.request.url': { example: 'https://sandbox.evernote.com' },
      'evernote.sandbox': { example: 'true' },
    },
  },
];

/** The elements the sandbox emulates, e.g. for a demo's gallery of buttons. */
export const sandboxCatalogue: readonly SandboxElement[] = Object.freeze(
  ENTRIES.map((entry) =>
    Object.freeze({
      requiredConfiguration: {},
      callbackExtras: [],
      ...entry,
      name: elementDisplayName(entry.key) ?? entry.name ?? entry.key,
    }),
  ),
);

/** Looks an element up by key or numeric id, as Cloud Elements' `{keyOrId}` path segments do. */
export function findSandboxElement(keyOrId: string): SandboxElement | undefined {
  return sandboxCatalogue.find((element) => element.key === keyOrId || String(element.id) === keyOrId);
}

/**
 * What a host backend puts in its config for the element (docs/elements.md's row) so that a connection succeeds
 * against the sandbox: the example values of its required site, scope and configuration entries.
 */
export interface SandboxHostConfig {
  readonly auth: SandboxAuth;
  readonly oauthUrlParameters?: Readonly<Record<string, string>>;
  readonly scope?: string;
  readonly siteAddress?: string;
  readonly configuration?: Readonly<Record<string, string | boolean>>;
  readonly fields?: readonly CredentialField[];
  /** Callback parameters besides code/state to forward in `providerData`. */
  readonly callbackExtras: readonly string[];
}

/** The config row of an element (see {@link SandboxHostConfig}). */
export function sandboxHostConfig(element: SandboxElement): SandboxHostConfig {
  const configuration = Object.fromEntries(
    Object.entries(element.requiredConfiguration).map(([key, { example }]) => [key, example]),
  );
  return {
    auth: element.auth,
    ...(element.oauth2Parameters && { oauthUrlParameters: element.oauth2Parameters }),
    ...(element.requiredScope !== undefined && { scope: element.requiredScope }),
    ...(element.site?.required && { siteAddress: element.site.example }),
    ...(Object.keys(configuration).length > 0 && { configuration }),
    ...(element.credentials && { fields: element.credentials }),
    callbackExtras: element.callbackExtras,
  };
}

/** Whether the element has an OAuth 1 flow (OAuth 1 elements, and QuickBooks without its OAuth 2 parameters). */
export function hasOAuth1Flow(element: SandboxElement): boolean {
  return element.oauth1AuthorizePath !== undefined;
}

/** Whether an oauth/url or oauth/token call's parameters select the element's OAuth 2 flow. */
export function selectsOAuth2(element: SandboxElement, parameters: Readonly<Record<string, unknown>>): boolean {
  if (element.auth !== 'oauth2') return false;
  const wanted = Object.entries(element.oauth2Parameters ?? {});
  return wanted.every(([name, value]) => parameters[name] === value);
}

/** The callback parameters (besides code/state or oauth_token/oauth_verifier) of the flow the element is in. */
export function callbackExtrasFor(element: SandboxElement, flow: 'oauth1' | 'oauth2'): readonly string[] {
  return flow === 'oauth1' && element.auth === 'oauth2' ? (element.oauth1CallbackExtras ?? []) : element.callbackExtras;
}

const SITE_PATTERNS: Readonly<Record<SiteShape, RegExp>> = {
  subdomain: /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i,
  host: /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i,
  'https-url': /^https:\/\/(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\/?$/i,
};

const SHAPE_WORDS: Readonly<Record<SiteShape, string>> = {
  subdomain: 'the bare subdomain',
  host: 'a host name without a scheme',
  'https-url': 'an https URL',
};

/** Why a site value does not fit the rule (naming what it should be), or `undefined` when it fits. */
export function siteProblem(rule: SiteRule, name: string, value: string): string | undefined {
  if (SITE_PATTERNS[rule.shape].test(value)) return undefined;
  return `${name} must be ${SHAPE_WORDS[rule.shape]}, e.g. ${rule.example}`;
}
