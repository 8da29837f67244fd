// The demo's elements: each sandbox element's server config as docs/elements.md tells a host to write it (its kind
// of sign-in, fields, scope, site, configuration, oauth/url parameters, events), kept in the gallery only when the
// handler of this build accepts it — so the gallery grows by itself as the server learns new kinds of element.
import { createConnectHandler } from '../lib/server/index.js';
import {
  SANDBOX_JIRA_SITE,
  SANDBOX_PASSWORD,
  SANDBOX_USERNAME,
  sandboxCatalogue,
  sandboxHostConfig,
} from '../lib/sandbox/index.js';

/** The values the sandbox's credential elements accept, by the type of the field they go in (docs/sandbox.md). */
const SANDBOX_VALUES = {
  email: SANDBOX_USERNAME,
  password: SANDBOX_PASSWORD,
  url: SANDBOX_JIRA_SITE,
  text: SANDBOX_USERNAME,
};

/** What a probe handler needs besides its elements: nothing it builds is ever called. */
const PROBE = {
  cloudElements: { baseUrl: 'http://127.0.0.1:9/', userSecret: 'probe-user', organizationSecret: 'probe-organization' },
  basePath: '/api/ce',
  cookieSecret: 'p'.repeat(32),
  authorize: () => null,
  onInstanceCreated: () => {},
};

/** Whether `createConnectHandler` accepts these options (a TypeError says it does not). */
function accepts(options) {
  try {
    createConnectHandler({ ...PROBE, ...options });
    return true;
  } catch (error) {
    if (error instanceof TypeError) return false;
    throw error;
  }
}

/**
 * What the handler of this build understands: `kinds` (elements[key].auth with oauth1 and credentials: a
 * credentials element needs no apiKey), `urlParameters` (elements[key].oauthUrlParameters: a reserved name is
 * refused). Unknown options are ignored by older handlers, so each is probed by what only a newer one does.
 */
export function handlerFeatures(origin, events) {
  const callbackUrl = `${origin}/api/ce/probe/oauth/callback`;
  return {
    kinds: accepts({
      origin,
      elements: { zohocrm: { auth: 'credentials', fields: [{ key: 'user', label: 'User' }] } },
    }),
    urlParameters: !accepts({
      elements: { sfdc: { apiKey: 'k', apiSecret: 's', callbackUrl, oauthUrlParameters: { apiKey: 'x' } } },
    }),
    events: events !== undefined,
  };
}

/** The accepted sandbox value for each credential field, by its configuration key: shown on the card. */
export function sandboxTestValues(fields = []) {
  return Object.fromEntries(
    fields.map((field) => [field.key, SANDBOX_VALUES[field.type ?? 'text'] ?? SANDBOX_USERNAME]),
  );
}

/**
 * The `elements[key]` entry of each sandbox element, as a host writes it (secrets apart), for the handler at
 * `origin`; `flow: '4b'` sends OAuth 2 providers to the static callback page (OAuth 1 always uses the callback route).
 */
export function demoElementConfig(element, { origin, flow, features, secret }) {
  const { auth = 'oauth2', fields, scope, siteAddress, configuration, oauthUrlParameters } = sandboxHostConfig(element);
  const key = element.key;
  const route = `${origin}/api/ce/${key}/oauth/callback`;
  const events = features.events ? { events: {} } : {};
  // The name the handler's own pages show (a credentials form, a connect link), where the widget has none.
  const named = features.kinds ? { displayName: element.name } : {};
  if (auth === 'credentials') return { auth, ...named, fields, ...(configuration && { configuration }), ...events };
  return {
    ...(auth !== 'oauth2' && { auth }),
    ...named,
    apiKey: `demo-${key}-key`,
    apiSecret: `demo-${key}-secret-${secret}`,
    callbackUrl: auth === 'oauth2' && flow === '4b' ? `${origin}/callback.html` : route,
    ...(scope && { scope }),
    ...(siteAddress && { siteAddress }),
    ...(configuration && { configuration }),
    ...(oauthUrlParameters && { oauthUrlParameters }),
    ...events,
  };
}

/**
 * The sandbox elements this build's handler can connect, each with its config: `[{ element, config }]`.
 * `extra(key)` adds the demo's own settings of an element (Zendesk's site rule); `handlerOptions` are the demo
 * handler's options an element may depend on (its `events`).
 */
export function demoElements({ origin, flow, features, secret, extra = () => ({}), handlerOptions = {} }) {
  return sandboxCatalogue
    .map((element) => {
      const own = extra(element.key);
      const config = demoElementConfig(element, { origin, flow, features, secret });
      // A site the user types (Zendesk's subdomain) replaces the example row's fixed site and its configuration.
      if (own.siteAddress) {
        delete config.siteAddress;
        delete config.configuration;
      }
      return { element, config: { ...config, ...own } };
    })
    .filter(({ element, config }) => {
      if (config.auth && !features.kinds) return false;
      if (config.oauthUrlParameters && !features.urlParameters) return false;
      return accepts({ ...handlerOptions, elements: { [element.key]: config } });
    });
}

/** What the page's snippet shows of an element's server config: everything but the secrets and the functions. */
export function publicConfig(config) {
  const shown = {};
  for (const [name, value] of Object.entries(config)) {
    if (name === 'apiKey' || name === 'apiSecret' || typeof value === 'function') continue;
    shown[name] = value;
  }
  return shown;
}
