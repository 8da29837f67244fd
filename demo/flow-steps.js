// What the sequence picture draws, as data: the four lanes and, for each kind of flow, its steps with their
// arrows and what stays behind on a lane. The server reports steps by id (demo/flow-recorder.mjs); a new kind of
// flow (OAuth 1's request token, a credentials form) is a new entry here, not new drawing code.

/** The lanes, left to right. */
export const LANES = [
  { id: 'page', label: 'The page' },
  { id: 'backend', label: 'Your backend' },
  { id: 'ce', label: 'Cloud Elements' },
  { id: 'provider', label: 'The provider' },
];

/** What the picture calls the window the flow runs in, and the Cloud Elements call that makes the instance. */
const windowOf = (mode) => (mode === 'redirect' ? 'this tab' : 'popup');
const createOf = (reconnect) => (reconnect ? 'PUT /instances/{id}' : 'POST /instances');

/** The page's first request, the same for every kind of flow. */
const urlRequest = (element) => ({ from: 'page', to: 'backend', label: `GET /api/ce/${element}/oauth/url` });

/**
 * The last step of every kind of flow: the backend sends `sent` to Cloud Elements, whose Element Token stays on
 * the backend; the page only gets the instance id.
 */
function instancesStep(reconnect, summary, sent) {
  return {
    id: 'instances',
    title: createOf(reconnect),
    summary,
    arrows: [
      ...sent,
      { from: 'ce', to: 'backend', label: 'instance + Element Token', back: true },
      { from: 'backend', to: 'page', label: 'instance id only', back: true },
    ],
    keeps: [{ lane: 'backend', label: 'Element Token stays here' }],
  };
}

/**
 * The steps of an OAuth 2 flow. `view` is what is known of it: `{ element, mode, reconnect, callback, flow }`
 * (`callback`: 'server' for the backend's callback route, 'page' for a static callback page; `flow` is the
 * demo's default, '4a' or '4b', used until the server says which).
 */
export function oauth2Steps({ element = '{key}', mode = 'popup', reconnect = false, callback, flow = '4a' } = {}) {
  const onPage = (callback ?? (flow === '4b' ? 'page' : 'server')) === 'page';
  const window = windowOf(mode);
  return [
    {
      id: 'url',
      title: 'oauth/url',
      summary: 'The backend asks Cloud Elements for the provider URL, with a fresh state.',
      arrows: [
        urlRequest(element),
        { from: 'backend', to: 'ce', label: 'oauth/url: key, secret, state' },
        { from: 'ce', to: 'backend', label: 'provider URL', back: true },
        { from: 'backend', to: 'page', label: 'URL + state', back: true },
      ],
      keeps: [{ lane: 'backend', label: 'API secret stays here' }],
    },
    {
      id: 'consent',
      title: 'consent and callback',
      summary: onPage
        ? 'The user allows access; the provider sends the code to the static callback page.'
        : 'The user allows access; the provider sends the code to the backend, which checks state and owner.',
      arrows: [
        { from: 'page', to: 'provider', label: `${window}: consent page` },
        onPage
          ? { from: 'provider', to: 'page', label: 'callback page: code + state', back: true }
          : { from: 'provider', to: 'backend', label: 'callback: code + state', back: true },
      ],
      keeps: onPage ? [] : [{ lane: 'backend', label: 'code stays here' }],
    },
    instancesStep(
      reconnect,
      reconnect
        ? 'The backend re-authorises the same instance with the code; Cloud Elements issues a new Element Token.'
        : 'The backend creates the instance with the code; Cloud Elements answers the Element Token.',
      [
        ...(onPage ? [{ from: 'page', to: 'backend', label: 'POST /api/ce/instances' }] : []),
        { from: 'backend', to: 'ce', label: `${createOf(reconnect)} + code` },
      ],
    ),
  ];
}

/**
 * The steps of an OAuth 1 flow (Twitter, Evernote): a request token first, whose secret never leaves the backend;
 * the provider sends back `oauth_token` and `oauth_verifier` (its `state` is the element key, not ours), and the
 * backend finds the flow by the token, checked against this browser's flow cookie and its owner.
 */
export function oauth1Steps({ element = '{key}', mode = 'popup', reconnect = false } = {}) {
  const window = windowOf(mode);
  return [
    {
      id: 'token',
      title: 'oauth/token',
      summary: 'The backend gets a request token from Cloud Elements; its secret stays on the backend.',
      arrows: [
        urlRequest(element),
        { from: 'backend', to: 'ce', label: 'oauth/token: key, secret' },
        { from: 'ce', to: 'backend', label: 'request token + secret', back: true },
      ],
      keeps: [{ lane: 'backend', label: 'token secret stays here' }],
    },
    {
      id: 'url',
      title: 'oauth/url',
      summary:
        'The backend asks for the provider URL with the request token; the page gets a URL of the backend itself.',
      arrows: [
        { from: 'backend', to: 'ce', label: 'oauth/url: requestToken' },
        { from: 'ce', to: 'backend', label: 'provider URL', back: true },
        { from: 'backend', to: 'page', label: 'own URL + state', back: true },
      ],
      keeps: [{ lane: 'backend', label: 'API secret stays here' }],
    },
    {
      id: 'consent',
      title: 'consent and callback',
      summary:
        'The user allows access; the provider sends oauth_token and oauth_verifier to the backend, which finds the flow by the token.',
      arrows: [
        { from: 'page', to: 'backend', label: `${window}: oauth1/start` },
        { from: 'backend', to: 'provider', label: '303: consent page' },
        { from: 'provider', to: 'backend', label: 'callback: oauth_token + verifier', back: true },
      ],
      keeps: [{ lane: 'backend', label: 'verifier stays here' }],
    },
    instancesStep(
      reconnect,
      'The backend sends token, verifier and secret to Cloud Elements; it answers the Element Token.',
      [{ from: 'backend', to: 'ce', label: `${createOf(reconnect)} + token, verifier, secret` }],
    ),
  ];
}

/**
 * The steps of a credentials flow (Zoho CRM, Jira): no provider page. The backend's own form (no script, strict
 * CSP) takes the values; the backend sends them to Cloud Elements, which checks them with the provider.
 */
export function credentialsSteps({ element = '{key}', mode = 'popup', reconnect = false } = {}) {
  const window = windowOf(mode);
  return [
    {
      id: 'url',
      title: 'oauth/url',
      summary: 'No OAuth: the backend answers the URL of its own credentials form, with a fresh state.',
      arrows: [urlRequest(element), { from: 'backend', to: 'page', label: 'form URL + state', back: true }],
      keeps: [],
    },
    {
      id: 'form',
      title: 'credentials form',
      summary:
        "The user types the account's values into the backend's form; the post is checked: state, flow cookie, owner, origin.",
      arrows: [
        { from: 'page', to: 'backend', label: `${window}: GET credentials form` },
        { from: 'page', to: 'backend', label: 'POST the values' },
      ],
      keeps: [{ lane: 'backend', label: 'values never logged' }],
    },
    instancesStep(
      reconnect,
      'The backend creates the instance with the values; Cloud Elements checks them with the provider.',
      [
        { from: 'backend', to: 'ce', label: `${createOf(reconnect)} + values` },
        { from: 'ce', to: 'provider', label: 'check the values' },
      ],
    ),
  ];
}

/** The step list of a flow view, by its kind of sign-in (`view.kind`: oauth2, the default, oauth1, credentials). */
export function stepsOf(view) {
  if (view.kind === 'oauth1') return oauth1Steps(view);
  if (view.kind === 'credentials') return credentialsSteps(view);
  return oauth2Steps(view);
}
