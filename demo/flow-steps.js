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

/**
 * The steps of an OAuth 2 flow. `view` is what is known of it: `{ element, mode, reconnect, callback, flow }`
 * (`callback`: 'server' for the backend's callback route, 'page' for a static callback page; `flow` is the
 * demo's default, '4a' or '4b', used until the server says which).
 */
export function oauth2Steps({ element = '{key}', mode = 'popup', reconnect = false, callback, flow = '4a' } = {}) {
  const onPage = (callback ?? (flow === '4b' ? 'page' : 'server')) === 'page';
  const window = mode === 'redirect' ? 'this tab' : 'popup';
  const create = reconnect ? 'PUT /instances/{id}' : 'POST /instances';
  return [
    {
      id: 'url',
      title: 'oauth/url',
      summary: 'The backend asks Cloud Elements for the provider URL, with a fresh state.',
      arrows: [
        { from: 'page', to: 'backend', label: `GET /api/ce/${element}/oauth/url` },
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
    {
      id: 'instances',
      title: create,
      summary: reconnect
        ? 'The backend re-authorises the same instance with the code; Cloud Elements issues a new Element Token.'
        : 'The backend creates the instance with the code; Cloud Elements answers the Element Token.',
      arrows: [
        ...(onPage ? [{ from: 'page', to: 'backend', label: 'POST /api/ce/instances' }] : []),
        { from: 'backend', to: 'ce', label: `${create} + code` },
        { from: 'ce', to: 'backend', label: 'instance + Element Token', back: true },
        { from: 'backend', to: 'page', label: 'instance id only', back: true },
      ],
      keeps: [{ lane: 'backend', label: 'Element Token stays here' }],
    },
  ];
}

/** The step list of a flow view (only OAuth 2 so far). */
export function stepsOf(view) {
  return oauth2Steps(view);
}
