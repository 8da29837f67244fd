/**
 * Display names of the best-known elements, for the default button label. Kept short on purpose: every
 * entry ships in the browser bundle. The sandbox's catalogue adds more for its own pages.
 */
export const ELEMENT_NAMES: Readonly<Record<string, string>> = {
  sfdc: 'Salesforce',
  hubspot: 'HubSpot',
  box: 'Box',
  dropbox: 'Dropbox',
  googledrive: 'Google Drive',
  onedrivev2: 'OneDrive',
  sharepoint: 'SharePoint',
  quickbooks: 'QuickBooks Online',
  zendesk: 'Zendesk',
  slack: 'Slack',
};

/** The name to show for an element key: its display name when known, else the key itself. */
export function elementDisplayName(key: string): string | undefined {
  return Object.hasOwn(ELEMENT_NAMES, key) ? ELEMENT_NAMES[key] : undefined;
}
