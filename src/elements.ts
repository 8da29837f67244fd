/** Element keys Cloud Elements accepts in a URL path segment (CONTRACT §3). */
export const ELEMENT_KEY_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** Display names of well-known elements, used for the default button label and by the sandbox catalogue. */
export const ELEMENT_NAMES: Readonly<Record<string, string>> = {
  sfdc: 'Salesforce',
  hubspot: 'HubSpot',
  hubspotcrm: 'HubSpot CRM',
  box: 'Box',
  dropbox: 'Dropbox',
  googledrive: 'Google Drive',
  onedrivev2: 'OneDrive',
  sharepoint: 'SharePoint',
  quickbooks: 'QuickBooks Online',
  zendesk: 'Zendesk',
  slack: 'Slack',
  shopify: 'Shopify',
  docusign: 'DocuSign',
  xero: 'Xero',
  jira: 'Jira',
  zohocrm: 'Zoho CRM',
};

/** The name to show for an element key: its display name when known, else the key itself. */
export function elementDisplayName(key: string): string | undefined {
  return Object.hasOwn(ELEMENT_NAMES, key) ? ELEMENT_NAMES[key] : undefined;
}
