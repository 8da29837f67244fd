import { elementDisplayName } from '../elements.js';

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
  /** Path of the provider's authorize endpoint, imitated under `/oauth/{key}`. */
  readonly authorizePath: string;
  /** Scope Cloud Elements requests when the caller gives none. */
  readonly defaultScope?: string;
  /** Whether Cloud Elements' OAuth URL for this element carries `client_secret` (as documented for sfdc). */
  readonly echoesClientSecret?: boolean;
}

/** A catalogue entry; `name` only for elements the package's browser-side name list leaves out. */
type Entry = Omit<SandboxElement, 'name'> & { readonly name?: string };

const ENTRIES: readonly Entry[] = [
  {
    key: 'sfdc',
    id: 1001,
    brandColour: '#00A1E0',
    hub: 'crm',
    authorizePath: '/services/oauth2/authorize',
    defaultScope: 'full refresh_token',
    echoesClientSecret: true,
  },
  {
    key: 'hubspot',
    id: 1002,
    brandColour: '#FF7A59',
    hub: 'marketing',
    authorizePath: '/oauth/authorize',
    defaultScope: 'contacts content',
  },
  {
    key: 'hubspotcrm',
    name: 'HubSpot CRM',
    id: 1003,
    brandColour: '#FF7A59',
    hub: 'crm',
    authorizePath: '/oauth/authorize',
    defaultScope: 'crm.objects.contacts.read',
  },
  { key: 'box', id: 1004, brandColour: '#0061D5', hub: 'documents', authorizePath: '/api/oauth2/authorize' },
  { key: 'dropbox', id: 1005, brandColour: '#0061FF', hub: 'documents', authorizePath: '/1/oauth2/authorize' },
  {
    key: 'googledrive',
    id: 1006,
    brandColour: '#1FA463',
    hub: 'documents',
    authorizePath: '/o/oauth2/auth',
    defaultScope: 'https://www.googleapis.com/auth/drive',
  },
  {
    key: 'onedrivev2',
    id: 1007,
    brandColour: '#0078D4',
    hub: 'documents',
    authorizePath: '/common/oauth2/v2.0/authorize',
    defaultScope: 'files.readwrite offline_access',
  },
  {
    key: 'sharepoint',
    id: 1008,
    brandColour: '#038387',
    hub: 'documents',
    authorizePath: '/_layouts/15/OAuthAuthorize.aspx',
    defaultScope: 'Web.Write Web.Read Web.Manage',
    echoesClientSecret: true,
  },
  {
    key: 'quickbooks',
    id: 1009,
    brandColour: '#2CA01C',
    hub: 'finance',
    authorizePath: '/connect/oauth2',
    defaultScope: 'com.intuit.quickbooks.accounting',
  },
  {
    key: 'zendesk',
    id: 1010,
    brandColour: '#03363D',
    hub: 'helpdesk',
    authorizePath: '/oauth/authorizations/new',
    defaultScope: 'read write',
  },
  {
    key: 'slack',
    id: 1011,
    brandColour: '#4A154B',
    hub: 'collaboration',
    authorizePath: '/oauth/authorize',
    defaultScope: 'channels:read,chat:write',
  },
  {
    key: 'shopify',
    name: 'Shopify',
    id: 1012,
    brandColour: '#5E8E3E',
    hub: 'ecommerce',
    authorizePath: '/admin/oauth/authorize',
    defaultScope: 'read_orders,read_products',
  },
  {
    key: 'docusign',
    name: 'DocuSign',
    id: 1013,
    brandColour: '#4C00FF',
    hub: 'esignature',
    authorizePath: '/oauth/auth',
    defaultScope: 'signature',
  },
  {
    key: 'xero',
    name: 'Xero',
    id: 1014,
    brandColour: '#13B5EA',
    hub: 'finance',
    authorizePath: '/identity/connect/authorize',
    defaultScope: 'accounting.transactions offline_access',
  },
  {
    key: 'jira',
    name: 'Jira',
    id: 1015,
    brandColour: '#0052CC',
    hub: 'helpdesk',
    authorizePath: '/authorize',
    defaultScope: 'read:jira-work write:jira-work',
  },
  {
    key: 'zohocrm',
    name: 'Zoho CRM',
    id: 1016,
    brandColour: '#E42527',
    hub: 'crm',
    authorizePath: '/oauth/v2/auth',
    defaultScope: 'ZohoCRM.modules.ALL',
  },
];

/** The elements the sandbox emulates, e.g. for a demo's gallery of buttons. */
export const sandboxCatalogue: readonly SandboxElement[] = Object.freeze(
  ENTRIES.map((entry) => Object.freeze({ ...entry, name: elementDisplayName(entry.key) ?? entry.name ?? entry.key })),
);

/** Looks an element up by key or numeric id, as Cloud Elements' `{keyOrId}` path segments do. */
export function findSandboxElement(keyOrId: string): SandboxElement | undefined {
  return sandboxCatalogue.find((element) => element.key === keyOrId || String(element.id) === keyOrId);
}
