import type { SandboxElement } from './catalogue.js';

/**
 * The element definition a hydrated instance embeds. A real one carries the element's whole definition —
 * `resources`, `objectMetadata`, `parameters`, … (DEVPORTAL `_archive/xero/authenticate.md` example) — many KB
 * each, so the sandbox's is several KB too: a client that lists without `hydrate=false` sees pages that large.
 */
const cache = new Map<string, Readonly<Record<string, unknown>>>();

const OBJECTS = ['accounts', 'contacts', 'leads', 'opportunities', 'files', 'folders', 'users', 'events'];
const OPERATIONS: ReadonlyArray<[method: string, suffix: string, verb: string]> = [
  ['GET', '', 'Search for'],
  ['POST', '', 'Create'],
  ['GET', '/{id}', 'Retrieve'],
  ['PATCH', '/{id}', 'Update'],
  ['DELETE', '/{id}', 'Delete'],
];

function authenticationType(element: SandboxElement): string {
  if (element.auth === 'credentials') return 'basic';
  return element.auth === 'oauth1' ? 'oauth1' : 'oauth2';
}

/** The hydrated `element` of an instance of `element` (built once per element). */
export function hydratedElement(element: SandboxElement): Readonly<Record<string, unknown>> {
  const known = cache.get(element.key);
  if (known) return known;
  let resourceId = element.id * 100;
  const resources = OBJECTS.flatMap((object) =>
    OPERATIONS.map(([method, suffix, verb]) => ({
      id: resourceId++,
      path: `/hubs/${element.hub}/${object}${suffix}`,
      vendorPath: `/api/v2/${object}${suffix}`,
      method,
      vendorMethod: method,
      description: `${verb} ${object} in the ${element.name} account of this instance`,
      type: 'api',
      hooks: [],
      parameters: [
        {
          name: 'where',
          type: 'query',
          dataType: 'string',
          required: false,
          description: 'The CEQL search expression',
        },
        {
          name: 'pageSize',
          type: 'query',
          dataType: 'number',
          required: false,
          description: 'The number of resources per page',
        },
      ],
      response: { contentType: 'application/json' },
    })),
  );
  const objectMetadata = Object.fromEntries(
    OBJECTS.map((object) => [
      object,
      {
        fields: ['id', 'name', 'createdDate', 'modifiedDate', 'owner'].map((name) => ({
          vendorPath: name,
          type: 'string',
          mask: {},
        })),
      },
    ]),
  );
  const definition = Object.freeze({
    id: element.id,
    name: element.name,
    key: element.key,
    description: `Add a ${element.name} instance to connect your existing ${element.name} account (ce-connect sandbox).`,
    image: `elements/provider_${element.key}.png`,
    active: true,
    deleted: false,
    typeOauth: element.auth !== 'credentials',
    trialAccount: false,
    resources,
    objectMetadata,
    transformationsEnabled: true,
    bulkDownloadEnabled: true,
    bulkUploadEnabled: true,
    cloneable: true,
    extendable: false,
    beta: false,
    authentication: { type: authenticationType(element) },
    extended: false,
    hub: element.hub,
    protocolType: 'http',
    parameters: [],
  });
  cache.set(element.key, definition);
  return definition;
}

/** The `element` of an instance listed with `hydrate=false`: its identity only. */
export function compactElement(element: { id: number; key: string; name: string }): {
  id: number;
  key: string;
  name: string;
} {
  return { id: element.id, key: element.key, name: element.name };
}
