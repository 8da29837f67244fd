import type { ElementConfig } from './types.js';

/**
 * What the handler knows about particular Cloud Elements elements (docs/elements.md), so that a config or an
 * input the real element would refuse fails here with a message that says what to set, instead of a bare 502:
 * the shape of a site address, and what to check when Cloud Elements will not make an element's sign-in URL.
 */

/** A site address shape, the words that describe it and an example. */
interface SiteShape {
  readonly pattern: RegExp;
  readonly words: string;
  readonly example: string;
}

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';

/**
 * Elements whose documented `siteAddress` is not a URL: Zendesk and Shopify take the bare subdomain or shop name
 * (`acme`, not `https://acme.zendesk.com`), SharePoint the site's host name.
 */
const SITE_SHAPES: Readonly<Record<string, SiteShape>> = {
  zendesk: { pattern: new RegExp(`^${LABEL}$`, 'i'), words: 'the bare Zendesk subdomain', example: 'acme' },
  shopify: { pattern: new RegExp(`^${LABEL}$`, 'i'), words: 'the bare shop name', example: 'acme-store' },
  sharepoint: {
    pattern: new RegExp(`^(?:${LABEL}\\.)+[a-z]{2,63}$`, 'i'),
    words: 'a host name without a scheme',
    example: 'acme.sharepoint.com',
  },
};

/** Why `site` is not a site address of `element` (a sentence naming the shape), or `undefined` when it fits. */
export function siteAddressProblem(element: string, site: string): string | undefined {
  const shape = Object.hasOwn(SITE_SHAPES, element) ? SITE_SHAPES[element] : undefined;
  if (shape === undefined || shape.pattern.test(site)) return undefined;
  return `The site address must be ${shape.words}, e.g. ${shape.example}`;
}

/** What an element's oauth/url needs beyond key, secret and callback URL, where the real element insists. */
const OAUTH_URL_NEEDS: Readonly<
  Record<string, { readonly parameters: Readonly<Record<string, string>>; readonly why: string }>
> = {
  quickbooks: {
    parameters: { 'authentication.type': 'oauth2' },
    why: 'without it Cloud Elements answers with the OAuth 1.0 flow of QuickBooks Online',
  },
};

/**
 * The message of a sign-in URL Cloud Elements refused or answered in a form we cannot use (an OAuth 1.0 URL for an
 * element the handler runs as OAuth 2): what to set, when the element is known to need it, else what to check.
 */
export function oauthUrlHint(element: string, config: Readonly<ElementConfig>): string {
  const needs = Object.hasOwn(OAUTH_URL_NEEDS, element) ? OAUTH_URL_NEEDS[element] : undefined;
  const missing =
    needs && Object.entries(needs.parameters).filter(([name, value]) => config.oauthUrlParameters?.[name] !== value);
  if (needs && missing && missing.length > 0) {
    const wanted = JSON.stringify(Object.fromEntries(missing));
    return `Cloud Elements could not make a usable sign-in URL for "${element}": set elements.${element}.oauthUrlParameters to ${wanted} (${needs.why})`;
  }
  return `Cloud Elements could not make a usable sign-in URL for "${element}": check elements.${element} (scope, siteAddress, oauthUrlParameters) against docs/elements.md`;
}
