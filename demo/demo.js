// The demo page's own script: builds the gallery from the backend's catalogue, logs the buttons' events,
// lists the signed-in user's connected instances (GET /api/ce/instances: the ce-connect/server route) and gives
// each card's button its instance, switches demo users, scenarios, modes, languages and themes, and shows the
// snippet. DOM APIs only (no innerHTML): the page runs under a strict CSP with Trusted Types.

// The same module the page's <script> loads (one instance): the names the widget labels by itself.
import { ELEMENT_NAMES } from '/dist/ce-connect.js';
import { createFlowPicture, stoppedOnPage } from '/demo/flow-picture.js';
import { createLiveStream } from '/demo/live-stream.js';
import {
  LANGUAGES,
  MODES,
  SLOT_LABELS,
  keepLogEntry,
  loadLanguage,
  readLog,
  readOptions,
  saveOptions,
} from '/demo/options.js';

const $ = (id) => document.getElementById(id);
const headers = { 'Content-Type': 'application/json', 'X-CE-Connect': '1' };
/** What the button itself sends: the routes under /api/ce want both headers. */
const apiHeaders = { Accept: 'application/json', 'X-CE-Connect': '1' };

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'class') node.className = value;
    else if (key in node && key !== 'element') node[key] = value;
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

const SCENARIO_NOTES = {
  normal: 'Everything works: Allow creates an instance.',
  deny: 'The consent page answers Deny: the button reports provider-denied and nothing is created.',
  slow: 'Cloud Elements answers after 3 s: the button stays busy, the popup waits on a blank page.',
  error: 'Cloud Elements fails: the backend answers 502 and the button reports backend, with the message.',
  coop: 'The consent page sends Cross-Origin-Opener-Policy: the popup handle reads closed early, the result still arrives by BroadcastChannel.',
  blocked:
    'The next click meets a pop-up blocker: the button reports popup-blocked and the click asks nothing of the backend (what prefetch asked on hover goes unused). Switch the mode to Auto and the same click carries on in this tab.',
};

/** What a scenario looks like when the tab itself goes to the provider (redirect mode, or auto past a blocker). */
const TAB_NOTES = {
  redirect: {
    slow: 'Cloud Elements answers after 3 s: the button stays busy, then this tab leaves for the consent page.',
    coop: 'The consent page sends Cross-Origin-Opener-Policy: without a popup there is no opener to sever, and the tab comes back as usual.',
    blocked:
      'A pop-up blocker is armed, but redirect mode opens no popup: this tab goes to the consent page and comes back.',
  },
  auto: {
    blocked:
      'The next click meets a pop-up blocker: auto mode carries on in this tab, which goes to the consent page and comes back connected.',
  },
};

/** This tab's mode, language, selected card and pending round trip, kept across a redirect (demo/options.js). */
const options = readOptions();
let config;
let selected = options.selected;
const realOpen = window.open;

async function loadConfig() {
  config = await (await fetch('/demo-api/config')).json();
  $('mode').textContent = config.mode === 'live' ? 'Live Cloud Elements' : 'Offline sandbox';
  $('mode').classList.toggle('live', config.mode === 'live');
  if (config.mode === 'live')
    $('gallery-hint').textContent = 'Click a button to connect a real account through Cloud Elements.';
}

/**
 * The label of a button for a key the widget has no name for, following its status as the default label does,
 * in the page's language.
 */
function slotLabel(button, name) {
  const labels = SLOT_LABELS[options.lang];
  const template =
    button.status === 'connected' ? labels.connectedTo : button.instanceId ? labels.reconnect : labels.connectTo;
  return template.replace('{provider}', name);
}

/**
 * A fresh button for a card. `instanceId`, from the backend's list: the host sets it, so the button asks the
 * backend once how that connection is doing (connected, or needs-reconnect). A disconnect goes through the
 * button itself (`disconnectable`).
 */
function makeButton(key, name, instanceId) {
  const button = document.createElement('ce-connect-button');
  button.setAttribute('element', key);
  button.setAttribute('instance-name', `${name} — demo`);
  button.setAttribute('disconnectable', '');
  // On intent (pointer rest, focus, touch) the button asks oauth/url ahead: the log times each click (timeConsent).
  button.setAttribute('prefetch', '');
  button.setAttribute('mode', options.mode);
  if (instanceId) button.setAttribute('instance-id', instanceId);
  const site = document.getElementById(`site-${key}`);
  if (site) button.setAttribute('site', site.value);
  if (!Object.hasOwn(ELEMENT_NAMES, key)) {
    // The widget names the best-known elements itself; for the others the slot carries a label that follows it.
    const label = () => (button.textContent = slotLabel(button, name));
    new MutationObserver(label).observe(button, { attributes: true, attributeFilter: ['status', 'instance-id'] });
    label();
  }
  return button;
}

/** The card's input for the site the provider signs in on (Zendesk: the bare subdomain), bound to `site`. */
function siteField(key) {
  const input = el('input', {
    id: `site-${key}`,
    class: 'site-input',
    type: 'text',
    placeholder: 'acme',
    autocomplete: 'off',
    spellcheck: false,
    autocapitalize: 'none',
    'aria-describedby': `site-${key}-hint`,
  });
  input.addEventListener('input', () =>
    input.closest('.card').querySelector('ce-connect-button').setAttribute('site', input.value.trim()),
  );
  return el(
    'div',
    { class: 'site' },
    el('label', { for: `site-${key}` }, 'Your Zendesk subdomain'),
    el(
      'span',
      { class: 'site-box' },
      input,
      el('span', { class: 'site-suffix', 'aria-hidden': 'true' }, '.zendesk.com'),
    ),
    el('span', { class: 'site-hint', id: `site-${key}-hint` }, 'e.g. acme for acme.zendesk.com'),
  );
}

/** What the sandbox accepts in a credentials element's form, by field label, so a prospect can type it. */
function testValuesNote(key, testValues) {
  const fields = config.catalogue.find((e) => e.key === key)?.config?.fields ?? [];
  return el(
    'div',
    { class: 'test-values' },
    el('span', { class: 'test-values-title' }, 'The sandbox accepts:'),
    el(
      'dl',
      {},
      ...fields.flatMap((field) => [
        el('dt', {}, field.label),
        el('dd', {}, el('code', {}, testValues[field.key] ?? '')),
      ]),
    ),
  );
}

function renderGallery() {
  const gallery = $('gallery');
  for (const { key, name, hub, brandColour, testValues } of config.catalogue) {
    const initials = name
      .split(/\s+/)
      .map((w) => w[0])
      .join('')
      .slice(0, 2)
      .toUpperCase();
    const icon = el('span', { class: 'app-icon', 'aria-hidden': 'true' }, initials);
    const expire = el('button', { type: 'button', class: 'link expire', hidden: config.mode !== 'sandbox' }, 'Expire');
    expire.title = 'Sandbox control: make Cloud Elements report this instance as needing a reconnect';
    expire.addEventListener('click', () => expireInstance(card));
    const change = el('button', { type: 'button', class: 'link change', hidden: true }, `Make a change at ${name}`);
    change.title = 'Sandbox control: something changes at the provider; Cloud Elements sends the event to your backend';
    change.addEventListener('click', () => makeChange(card));
    const meta = el(
      'div',
      { class: 'card-meta', hidden: true },
      el('span', {}, 'Instance ', el('code', { class: 'instance-id' })),
      el('span', { class: 'card-controls' }, change, expire),
    );
    const card = el(
      'article',
      { class: 'card', 'data-key': key },
      el(
        'div',
        { class: 'card-head' },
        icon,
        el('div', {}, el('div', { class: 'app-name' }, name), el('div', { class: 'app-hub' }, hub || 'element')),
      ),
      ...(key === 'zendesk' ? [siteField(key)] : []),
      makeButton(key, name, ''),
      ...(testValues ? [testValuesNote(key, testValues)] : []),
      meta,
    );
    card.dataset.name = name;
    card.style.setProperty('--brand', brandColour);
    card.addEventListener('click', () => select(key));
    card.addEventListener('focusin', () => select(key));
    gallery.append(card);
  }
  // The "blocked popup" scenario stands in for the browser's blocker: the button's own click handler
  // (which runs after this capture listener) then meets window.open returning null, exactly as when blocked.
  gallery.addEventListener(
    'click',
    () => {
      if (config.scenario !== 'blocked') return;
      window.open = () => {
        window.open = realOpen;
        return null;
      };
      setTimeout(() => (window.open = realOpen)); // a click that opened nothing must not leave it armed
    },
    true,
  );
}

function select(key) {
  selected = key;
  saveOptions({ selected: key });
  for (const card of document.querySelectorAll('.card')) card.classList.toggle('selected', card.dataset.key === key);
  renderSnippet();
  // Before any flow, the picture shows the steps of the selected element's kind of sign-in.
  if (picture && !click && $('flow-steps').dataset.status === 'idle') picture.show(idleFlow(key));
}

function renderSnippet() {
  const name = config.catalogue.find((e) => e.key === selected)?.name ?? selected;
  $('snippet-element').textContent = `· ${name}`;
  const instanceId = document.querySelector(`.card[data-key="${CSS.escape(selected)}"] .instance-id`)?.textContent;
  const zendesk = selected === 'zendesk';
  const { mode, lang } = options;
  const translation =
    lang === 'en'
      ? ''
      : `\n<script type="module" src="/dist/i18n/${lang}.js"></script> <!-- ${LANGUAGES[lang]} texts -->`;
  const attributes = `${instanceId ? ` instance-id="${instanceId}"` : ''}${zendesk ? ' site="acme"' : ''}${mode === 'popup' ? '' : ` mode="${mode}"`}${lang === 'en' ? '' : ` lang="${lang}"`}`;
  const returns =
    mode === 'popup'
      ? ''
      : `
  // mode="${mode}": the tab comes back to the page with the button, so that page's origin must be allowed
  // (the default, the callback URLs' origins, covers a page on the same origin as the callback route)
  allowedOrigins: ['https://app.example.com'],`;
  $('snippet').textContent =
    `<!-- 1. The button, anywhere in your page. With instance-id (from GET /api/ce/instances, or your
     own records) it says "Connected to …", or "Reconnect …" when the connection stopped working -->
<script type="module" src="/dist/ce-connect.js"></script>${translation}
<ce-connect-button element="${selected}" instance-name="${name}"${attributes} disconnectable prefetch></ce-connect-button>
<script type="module">
  document.querySelector('ce-connect-button').addEventListener('connected', (event) => {
    console.log('Connected instance', event.detail.instanceId); // no code, no token
  });
</script>

// 2. Your backend (Node): one config entry per element, secrets stay here
import { createServer } from 'node:http';
import { createConnectHandler, toNodeListener } from 'ce-connect/server';

const handler = createConnectHandler({
  cloudElements: { userSecret: process.env.CE_USER_SECRET, organizationSecret: process.env.CE_ORGANIZATION_SECRET },
  elements: {
    ${elementSource(selected)},
  },${
    config.features?.events
      ? `
  // Events after connected: Cloud Elements signs each webhook to POST /api/ce/events with this key
  events: { signingKeys: [process.env.CE_EVENTS_KEY], onEvent: ({ owner, element, events }) => queue.push({ owner, element, events }) },`
      : ''
  }${
    config.features?.links || kindOf(selected) === 'credentials'
      ? `
  appName: 'Acme Analytics', // shown on the handler's own pages: connect links, credentials forms`
      : ''
  }${
    kindOf(selected) === 'credentials'
      ? `
  origin: 'https://app.example.com', // where the handler serves the credentials form (no callback URL to tell)`
      : ''
  }
  cookieSecret: process.env.CE_COOKIE_SECRET,${returns}
  authorize: (request) => sessions.userId(request) ?? null, // your own sign-in: each user sees only their instances
  onInstanceCreated: ({ element, instance, token, owner }) => db.saveInstance(owner, element, instance.id, token),
  onInstanceReconnected: ({ instance, token, owner }) => db.saveToken(owner, instance.id, token),
});
createServer(toNodeListener(handler)).listen(3000);`;
}

/** A value as JavaScript source: single-quoted strings, bare keys where they may be. */
function literal(value, indent = '      ') {
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => `${indent}  ${literal(v, `${indent}  `)}`).join(',\n')},\n${indent}]`;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) return '{}';
    const name = (key) => (/^[A-Za-z_$][\w$]*$/.test(key) ? key : literal(key));
    return `{ ${entries.map(([key, v]) => `${name(key)}: ${literal(v, indent)}`).join(', ')} }`;
  }
  return String(value);
}

/** The selected element's entry of the server config, as the demo's handler has it (the secrets from the environment). */
function elementSource(key) {
  const entry = config.catalogue.find((e) => e.key === key);
  const shown = entry?.config ?? {};
  const env = key.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  const lines = [];
  if (entry?.auth !== 'credentials')
    lines.push(`apiKey: process.env.${env}_KEY`, `apiSecret: process.env.${env}_SECRET`);
  for (const [name, value] of Object.entries(shown)) {
    if (name === 'apiKey' || name === 'apiSecret') continue;
    if (name === 'callbackUrl') {
      const page = new URL(value).pathname === '/callback.html';
      lines.push(`callbackUrl: 'https://app.example.com${page ? '/callback.html' : `/api/ce/${key}/oauth/callback`}'`);
    } else lines.push(`${name}: ${literal(value)}`);
  }
  if (key === 'zendesk') {
    lines.push(
      '// Cloud Elements wants the bare subdomain: acme, not https://acme.zendesk.com',
      'siteAddress: (input) => (/^[a-z0-9][a-z0-9-]{0,62}$/.test(input) ? input : null)',
    );
  }
  const body = lines.map((line) => (line.startsWith('//') ? line : `${line},`)).join('\n      ');
  return `${/^[A-Za-z_$][\w$]*$/.test(key) ? key : literal(key)}: {\n      ${body}\n    }`;
}

function renderScenarios() {
  const group = $('scenarios');
  for (const [key, label] of Object.entries(config.scenarios)) {
    const input = el('input', { type: 'radio', name: 'scenario', value: key, checked: key === config.scenario });
    input.addEventListener('change', () => setScenario(key));
    group.append(el('label', {}, input, label));
  }
  renderScenarioNote();
}

/** The note under the scenarios: what the chosen scenario does in the chosen mode. */
function renderScenarioNote() {
  $('scenario-note').textContent = TAB_NOTES[options.mode]?.[config.scenario] ?? SCENARIO_NOTES[config.scenario];
}

async function setScenario(key) {
  const response = await fetch('/demo-api/scenario', {
    method: 'POST',
    headers,
    body: JSON.stringify({ scenario: key }),
  });
  if (response.ok) {
    config.scenario = key;
    renderScenarioNote();
    log('scenario', { scenario: key });
  }
}

function logLine({ time, type, detail }) {
  return el(
    'li',
    {},
    el('time', {}, time),
    el('span', { class: `type ${type}` }, type),
    el('code', {}, typeof detail === 'string' ? detail : JSON.stringify(detail)),
  );
}

/** Logs an event; the log is kept for this tab, so a page that comes back from a redirect still shows it. */
function log(type, detail) {
  const entry = { time: new Date().toLocaleTimeString([], { hour12: false }), type, detail };
  keepLogEntry(entry);
  $('log').prepend(logLine(entry));
  $('log-empty').hidden = true;
}

/** The log of this tab so far; after a redirect-mode round trip, a line that says the page is back. */
function restoreLog() {
  const entries = readLog();
  $('log').replaceChildren(...entries.map(logLine));
  $('log-empty').hidden = entries.length > 0;
  if (options.away) {
    log('back', { element: options.away });
    saveOptions({ away: undefined });
    options.away = undefined;
  }
}

const STATUS_TEXT = { connected: 'Connected', 'needs-reconnect': 'Needs reconnect' };
let refreshes = 0;
/** After a user switch every card gets a fresh button: nothing of the other user's may stay on screen. */
let remountPending = false;

function renderTable(instances) {
  $('instances').replaceChildren(
    ...instances.map((instance) => {
      const key = instance.element?.key ?? '';
      const app = config.catalogue.find((e) => e.key === key)?.name ?? key;
      const created = instance.createdDate
        ? new Date(instance.createdDate).toLocaleString([], { dateStyle: 'short', timeStyle: 'medium' })
        : '';
      const status = el('span', { class: `state ${instance.status}` }, STATUS_TEXT[instance.status] ?? instance.status);
      return el(
        'tr',
        {},
        el('td', {}, String(instance.id)),
        el('td', {}, app),
        el('td', {}, instance.name ?? ''),
        el('td', {}, status),
        el('td', {}, created),
      );
    }),
  );
  $('instances-empty').hidden = instances.length > 0;
}

/** Puts the user's instance of the card's element (the newest) on its button, and shows its id and controls. */
function syncCard(card, instance, remount) {
  const id = instance ? String(instance.id) : '';
  card.querySelector('.card-meta').hidden = !id;
  card.querySelector('.instance-id').textContent = id;
  card.querySelector('.expire').hidden = config.mode !== 'sandbox' || instance?.status !== 'connected';
  card.querySelector('.change').hidden = !config.features?.events || instance?.status !== 'connected';
  const button = card.querySelector('ce-connect-button');
  const shown = button.status;
  if (shown === 'connecting') return; // never disturb a flow in progress
  // A button showing another id, or a health the backend no longer reports, is replaced: a fresh button with a
  // host-set instance-id asks the backend once how that connection is doing.
  const stale =
    button.instanceId !== id || ((shown === 'connected' || shown === 'needs-reconnect') && shown !== instance.status);
  if (remount || (id && stale)) button.replaceWith(makeButton(card.dataset.key, card.dataset.name, id));
  else if (!id && button.instanceId) button.instanceId = '';
}

/** The signed-in user's instances, from the server's own route (GET /api/ce/instances, owner-scoped). */
async function refreshInstances() {
  const run = ++refreshes;
  let instances;
  try {
    const response = await fetch('/api/ce/instances', { headers: apiHeaders });
    const body = await response.json();
    if (!response.ok) throw new Error(body?.message ?? `HTTP ${response.status}`);
    instances = body.instances;
  } catch (error) {
    if (run === refreshes)
      $('instances-error').textContent = `Could not list the connected instances: ${error.message}`;
    return;
  }
  if (run !== refreshes) return; // a later refresh is under way: its answer is the current one
  $('instances-error').textContent = '';
  renderTable(instances);
  const remount = remountPending;
  remountPending = false;
  for (const card of document.querySelectorAll('.card')) {
    syncCard(
      card,
      instances.find((instance) => instance.element?.key === card.dataset.key),
      remount,
    );
  }
  renderSnippet();
}

/** The sandbox control: Cloud Elements now reports the instance `valid: false`, as after failed token refreshes. */
async function expireInstance(card) {
  const instanceId = card.querySelector('.instance-id').textContent;
  const response = await fetch(`/demo-api/instances/${encodeURIComponent(instanceId)}/expire`, {
    method: 'POST',
    headers,
  });
  log(response.ok ? 'expired' : 'expire-failed', { instanceId });
  await refreshInstances();
}

function renderUsers() {
  const group = $('users');
  for (const { id, label } of config.users) {
    const input = el('input', { type: 'radio', name: 'user', value: id, checked: id === config.user });
    input.addEventListener('change', () => setUser(id));
    group.append(el('label', {}, input, label));
  }
}

/** Signs in as another demo user (a new session cookie); the page then shows only that user's connections. */
async function setUser(id) {
  const response = await fetch('/demo-api/user', { method: 'POST', headers, body: JSON.stringify({ user: id }) });
  if (!response.ok) return;
  config.user = id;
  log('user', { user: id });
  remountPending = true;
  // The other user's feed and link are theirs: nothing of them stays on screen.
  $('feed').replaceChildren();
  $('link-result').hidden = true;
  currentLink = undefined;
  await stream.reset();
  await refreshInstances();
}

/**
 * The Theme panel brands the buttons only through their `--ce-connect-*` custom properties (and demo.css through
 * `::part()`); "Dark page" switches the page's own palette and `color-scheme`, which the buttons follow by
 * themselves. It starts as the visitor's system theme.
 */
function wireTheme() {
  const root = document.documentElement.style;
  $('theme-dark').checked = matchMedia('(prefers-color-scheme: dark)').matches;
  const apply = () => {
    root.setProperty('--ce-connect-background', $('theme-colour').value);
    root.setProperty('--ce-connect-connected-background', $('theme-connected').value);
    root.setProperty('--ce-connect-radius', `${$('theme-radius').value}px`);
    root.setProperty('--ce-connect-font-family', $('theme-font').value);
    document.documentElement.classList.toggle('dark', $('theme-dark').checked);
  };
  for (const id of ['theme-colour', 'theme-connected', 'theme-radius', 'theme-font', 'theme-dark'])
    $(id).addEventListener('input', apply);
  apply();
}

/** The mode switch and the language picker of the Sign-in panel. */
function renderSignIn() {
  const group = $('modes');
  for (const [key, { label }] of Object.entries(MODES)) {
    const input = el('input', { type: 'radio', name: 'mode', value: key, checked: key === options.mode });
    input.addEventListener('change', () => setMode(key));
    group.append(el('label', {}, input, label));
  }
  const picker = $('language');
  picker.append(
    ...Object.entries(LANGUAGES).map(([key, label]) =>
      el('option', { value: key, lang: key, selected: key === options.lang }, label),
    ),
  );
  picker.addEventListener('change', () => setLanguage(picker.value));
  renderMode();
}

function renderMode() {
  $('mode-note').textContent = MODES[options.mode].note;
  if (config.mode !== 'live') $('gallery-how').textContent = MODES[options.mode].how;
}

/** Sets `mode` on every button: the next click goes by popup, by this tab, or by popup with the tab as fallback. */
function setMode(mode) {
  options.mode = mode;
  saveOptions({ mode });
  for (const button of document.querySelectorAll('ce-connect-button')) button.setAttribute('mode', mode);
  renderMode();
  renderScenarioNote();
  renderSnippet();
  log('mode', { mode });
}

/**
 * Sets `lang` on the gallery once the widget's texts for it are loaded (dist/i18n/{lang}.js). A button reads its
 * language when it renders, so each is asked to render again; the page's own slotted labels follow.
 */
async function setLanguage(lang) {
  try {
    await loadLanguage(lang);
  } catch {
    $('language').value = options.lang;
    return log('lang-failed', { lang, reason: `dist/i18n/${lang}.js did not load: run npm run build` });
  }
  options.lang = lang;
  saveOptions({ lang });
  applyLanguage();
  renderSnippet();
  log('lang', { lang });
}

function applyLanguage() {
  $('gallery').lang = options.lang;
  for (const card of document.querySelectorAll('.card')) {
    const button = card.querySelector('ce-connect-button');
    if (!Object.hasOwn(ELEMENT_NAMES, card.dataset.key)) button.textContent = slotLabel(button, card.dataset.name);
    button.requestUpdate();
  }
}

/**
 * The live sequence picture (demo/flow-picture.js): the server reports this browser's newest flow, step by
 * step (GET /demo/flow-events while a flow runs, GET /demo-api/flow once when it ends or the page loads); the
 * page adds what only it knows — a flow that stopped before the backend heard of it (a blocked popup, a popup
 * closed at consent).
 */
let picture;
let newestSeq = 0; // the newest server flow shown
let click; // the flow this page started and is following: { element, reconnect, after (the newest seq before it) }
let flowEvents;

/** The kind of sign-in of an element (oauth2, oauth1, credentials): the picture's steps follow it. */
const kindOf = (element) => config.catalogue.find((e) => e.key === element)?.auth ?? 'oauth2';
const idleFlow = (element) => ({
  seq: 0,
  element,
  kind: kindOf(element),
  mode: options.mode === 'redirect' ? 'redirect' : 'popup',
  steps: [],
});

function showServerFlow(view) {
  if (!view || view.seq < newestSeq || (click && view.seq <= click.after)) return false;
  // With prefetch, another button's flow asked ahead (hovered, not clicked) may be newer than the one clicked.
  if (click && view.element !== click.element) return false;
  newestSeq = view.seq;
  picture.show(view);
  return true;
}

async function fetchFlow() {
  try {
    return (await (await fetch('/demo-api/flow')).json()).flow;
  } catch {
    return null;
  }
}

function followFlow(detail) {
  const button = document.querySelector(`ce-connect-button[element="${CSS.escape(detail.element)}"]`);
  click = { element: detail.element, after: newestSeq, reconnect: Boolean(button?.instanceId), at: clickedAt };
  const mode = options.mode === 'redirect' ? 'redirect' : 'popup';
  picture.show({
    seq: `page-${Date.now()}`,
    element: detail.element,
    kind: kindOf(detail.element),
    mode,
    reconnect: click.reconnect,
    steps: [{ id: kindOf(detail.element) === 'oauth1' ? 'token' : 'url', status: 'running' }],
  });
  flowEvents?.close();
  flowEvents = new EventSource('/demo/flow-events');
  flowEvents.addEventListener('flow', (event) => {
    const view = JSON.parse(event.data);
    timeConsent(view);
    showServerFlow(view);
  });
}

/**
 * Click → consent page, once per popup click: the server's time of the provider's consent page (or the credentials
 * form) being asked for, against the click's; "prefetched" when the flow's oauth/url was asked before the click.
 * Both are this machine's clock (the demo runs where its browser does).
 */
function timeConsent(view) {
  // A tab that goes to the provider itself (redirect mode) is leaving: whether the line makes it is luck, so none.
  if (!click || click.timed || view?.element !== click.element || view.mode !== 'popup') return;
  if (!(view.consentAt >= click.at)) return;
  click.timed = true;
  const name = config.catalogue.find((e) => e.key === view.element)?.name ?? view.element;
  const page = view.kind === 'credentials' ? 'sign-in form' : 'consent page';
  const how = view.askedAt < click.at ? 'prefetched' : 'asked at the click';
  log('timing', `${name}: ${page} ${Math.round(view.consentAt - click.at)} ms after the click (${how})`);
}

/** A flow ended on the page: the server's last word, or where the page saw it stop. */
async function endFlow(type, detail) {
  const following = click;
  const view = await fetchFlow();
  const shown = showServerFlow(view);
  if (type === 'connected' || (shown && view.status !== 'running')) return stopFollowing(following);
  // It never reached the backend, or stopped between its steps: the page says where.
  const base = shown
    ? view
    : {
        seq: `page-${Date.now()}`,
        element: detail.element,
        kind: kindOf(detail.element),
        mode: options.mode,
        reconnect: following?.reconnect,
        steps: [],
      };
  const why = `${detail.code ?? detail.reason ?? ''}${detail.message ? `: ${detail.message}` : ''}`;
  picture.show(stoppedOnPage(base, `The button reported ${type} ${why}`, config.flow));
  stopFollowing(following);
}

function stopFollowing(following) {
  if (click !== following) return;
  click = undefined;
  flowEvents?.close();
  flowEvents = undefined;
}

/** The tabs of the picture and the log: arrow keys move between them (the WAI-ARIA tabs pattern). */
function wireTabs() {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  const choose = (tab) => {
    for (const other of tabs) {
      const selected = other === tab;
      other.setAttribute('aria-selected', String(selected));
      other.tabIndex = selected ? 0 : -1;
      $(other.getAttribute('aria-controls')).hidden = !selected;
    }
  };
  chooseTab = choose;
  tabs.forEach((tab) => {
    tab.addEventListener('click', () => choose(tab));
    tab.addEventListener('keydown', (event) => {
      const shown = tabs.filter((each) => !each.hidden);
      const at = shown.indexOf(tab);
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      const target = step
        ? shown[(at + step + shown.length) % shown.length]
        : { Home: shown[0], End: shown.at(-1) }[event.key];
      if (!target) return;
      event.preventDefault();
      choose(target);
      target.focus();
    });
  });
}

/**
 * Events after `connected` (docs/demo.md): each connected card's "Make a change" asks the sandbox to change
 * something at the provider; the signed webhook reaches the handler's events route and `onEvent`, and the demo
 * server tells this page (demo/live-stream.js) — with the delivery attempts when the host is off.
 */
let chooseTab;
let currentLink; // the connect link shown: { id, element }
let changes = 0;
const stream = createLiveStream({ onItem: showFeedItem });

/** "3 s ago", "2 min ago". */
function ago(at) {
  const seconds = Math.max(0, Math.round((Date.now() - at) / 1000));
  return seconds < 60 ? `${seconds} s ago` : `${Math.round(seconds / 60)} min ago`;
}

const DELIVERY_STATUS = { 503: '503, the host is off', 'network-error': 'no answer' };

/** The words of a feed item, or undefined for one that only moves the page along. */
function feedText(item) {
  if (item.kind === 'event') return `${item.name} · ${item.objectType} ${item.eventType}`;
  if (item.kind === 'delivery') {
    if (item.ok) return `Delivered to POST /api/ce/events (attempt ${item.attempt})`;
    const retry = item.retryInMs ? `retry in ${formatSeconds(item.retryInMs)}` : 'no retry left';
    return `Delivery attempt ${item.attempt} failed: ${DELIVERY_STATUS[item.status] ?? item.status} · ${retry}`;
  }
  if (item.kind === 'delivery-end' && !item.delivered) return `Cloud Elements gave up after ${item.attempts} attempts`;
  if (item.kind === 'instance') {
    const name = config.catalogue.find((e) => e.key === item.element)?.name ?? item.element;
    return `${name} connected${item.link ? ' through a connect link' : ''} · instance ${item.instanceId}`;
  }
  return undefined;
}

const formatSeconds = (ms) => `${Math.round(ms / 100) / 10} s`;

function showFeedItem(item) {
  if (item.kind === 'delivery-end') stream.release(`change:${item.objectId}`);
  if (item.kind === 'instance') {
    refreshInstances();
    if (currentLink && item.link === currentLink.id) {
      $('link-state').textContent = `Used: instance ${item.instanceId} is now in your list.`;
      $('link-revoke').hidden = true;
      stream.release(`link:${item.link}`);
    }
  }
  const text = feedText(item);
  if (!text) return;
  const time = el('time', { class: 'ago' }, ago(item.at));
  time.dataset.at = String(item.at);
  const line = el(
    'li',
    { class: `feed-${item.kind}${item.ok === false ? ' failed' : ''}` },
    el('span', { class: 'feed-text' }, text),
    ' · ',
    time,
  );
  if (item.objectId && item.kind === 'event') line.append(' ', el('code', {}, item.objectId));
  line.dataset.kind = item.kind;
  $('feed').prepend(line);
  $('tab-feed').hidden = false;
}

setInterval(() => {
  for (const time of document.querySelectorAll('#feed time.ago')) time.textContent = ago(Number(time.dataset.at));
}, 1000);

/** "Make a change at …": the sandbox changes something at the provider of the card's instance. */
async function makeChange(card) {
  const instanceId = card.querySelector('.instance-id').textContent;
  const waiting = `posting:${++changes}`;
  await stream.hold(waiting); // open before the change: its event may arrive at once
  try {
    const response = await fetch(`/demo-api/instances/${encodeURIComponent(instanceId)}/change`, {
      method: 'POST',
      headers,
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) return log('change-failed', { instanceId, message: body.message });
    await stream.hold(`change:${body.objectId}`);
    log('change', { instanceId, objectType: body.objectType, eventType: body.eventType, objectId: body.objectId });
    $('tab-feed').hidden = false;
    chooseTab?.($('tab-feed'));
  } finally {
    stream.release(waiting);
  }
}

async function setHost(on) {
  const response = await fetch('/demo-api/host', { method: 'POST', headers, body: JSON.stringify({ on }) });
  if (response.ok) log('host', { on });
  else $('host-on').checked = !on;
}

/** "Send a connect link": a link for the signed-in user, its QR code, and Revoke. */
function renderLinkPanel() {
  if (!config.features?.links) return;
  $('link-panel').hidden = false;
  $('link-element').append(...config.catalogue.map(({ key, name }) => el('option', { value: key }, name)));
  $('link-form').addEventListener('submit', (event) => {
    event.preventDefault();
    makeLink();
  });
  $('link-revoke').addEventListener('click', revokeLink);
}

async function makeLink() {
  $('link-error').textContent = '';
  const element = $('link-element').value;
  const response = await fetch('/demo-api/links', {
    method: 'POST',
    headers,
    body: JSON.stringify({ element, inviter: $('link-inviter').value }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    $('link-error').textContent = body.message ?? `The link could not be made (${response.status}).`;
    return;
  }
  if (currentLink) stream.release(`link:${currentLink.id}`);
  currentLink = { id: body.id, element };
  $('link-qr').src = body.qr;
  $('link-url').href = body.url;
  $('link-url').textContent = body.url;
  $('link-state').textContent =
    `Waiting: open it on another device or browser profile. Expires ${new Date(body.expiresAt).toLocaleString()}.`;
  $('link-revoke').hidden = false;
  $('link-result').hidden = false;
  log('link', { id: body.id, element });
  await stream.hold(`link:${body.id}`);
}

async function revokeLink() {
  if (!currentLink) return;
  const { id } = currentLink;
  const response = await fetch(`/demo-api/links/${encodeURIComponent(id)}/revoke`, { method: 'POST', headers });
  if (!response.ok) return;
  $('link-state').textContent = 'Revoked: the link now shows a page saying so, and connects nothing.';
  $('link-revoke').hidden = true;
  stream.release(`link:${id}`);
  log('link-revoked', { id });
}

// The click's time, before any other listener runs (connect-start is dispatched in the click, before the popup opens).
let clickedAt;
document.addEventListener('connect-start', () => (clickedAt = Date.now()), { capture: true });
for (const type of [
  'connect-start',
  'connect-redirect',
  'connected',
  'connect-error',
  'connect-cancel',
  'disconnected',
]) {
  document.addEventListener(type, (event) => {
    log(type, event.detail);
    // The page is about to leave for the provider: when it loads again, it says it is back.
    if (type === 'connect-redirect' && !event.defaultPrevented) saveOptions({ away: event.detail.element });
    if (type === 'connected' || type === 'disconnected') refreshInstances();
    if (type === 'connect-start') followFlow(event.detail);
    if (type === 'connected' || type === 'connect-error' || type === 'connect-cancel') endFlow(type, event.detail);
  });
}
// Back from the consent page without an answer: the browser may restore this page from its back/forward cache,
// and the button that left ends its flow itself (connect-cancel, docs/modes.md); the log says why.
addEventListener('pageshow', (event) => {
  const { away } = readOptions();
  if (!event.persisted || !away) return;
  saveOptions({ away: undefined });
  log('back', { element: away });
});
$('log-clear').addEventListener('click', () => {
  keepLogEntry(null);
  $('log').replaceChildren();
  $('log-empty').hidden = false;
});
$('snippet-copy').addEventListener('click', async () => {
  await navigator.clipboard?.writeText($('snippet').textContent);
  $('snippet-copy').textContent = 'Copied';
  setTimeout(() => ($('snippet-copy').textContent = 'Copy'), 1500);
});

await loadConfig();
picture = createFlowPicture({
  list: $('flow-steps'),
  lanes: $('flow-lanes'),
  summary: $('flow-summary'),
  flow: config.flow,
});
wireTabs();
restoreLog();
// The texts first, so a page that comes back in German never shows English labels first.
await loadLanguage(options.lang).catch(() => (options.lang = 'en'));
$('gallery').lang = options.lang;
renderUsers();
renderSignIn();
renderGallery();
renderScenarios();
renderLinkPanel();
wireTheme();
$('tab-feed').hidden = !config.features?.events;
$('host-on').checked = config.features?.hostOn ?? true;
$('host-on').addEventListener('change', () => setHost($('host-on').checked));
stream.load();
select(selected);
refreshInstances();
// The newest flow of this user (a redirect-mode round trip comes back to it), else the steps, not yet lit.
const newest = await fetchFlow();
if (!showServerFlow(newest) && !click) picture.show(idleFlow(selected));
