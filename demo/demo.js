// The demo page's own script: builds the gallery from the backend's catalogue, logs the buttons' events,
// lists the connected instances, switches scenarios and themes, and shows the snippet. DOM APIs only
// (no innerHTML): the page runs under a strict CSP with Trusted Types.

const $ = (id) => document.getElementById(id);
const headers = { 'Content-Type': 'application/json', 'X-CE-Connect': '1' };

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
  blocked: 'The next click meets a pop-up blocker: the button reports popup-blocked and asks nothing of the backend.',
};

let config;
let selected = 'sfdc';
const realOpen = window.open;

async function loadConfig() {
  config = await (await fetch('/demo-api/config')).json();
  $('mode').textContent = config.mode === 'live' ? 'Live Cloud Elements' : 'Offline sandbox';
  $('mode').classList.toggle('live', config.mode === 'live');
  if (config.mode === 'live') $('gallery-hint').textContent = 'Click a button to connect a real account through Cloud Elements.';
}

function renderGallery() {
  const gallery = $('gallery');
  for (const { key, name, hub, brandColour } of config.catalogue) {
    const initials = name.split(/\s+/).map((w) => w[0]).join('').slice(0, 2).toUpperCase();
    const icon = el('span', { class: 'app-icon', 'aria-hidden': 'true' }, initials);
    // The slot carries the label, so every card reads "Connect to …" even for keys the widget has no name for.
    const button = el('ce-connect-button', { element: key, 'instance-name': `${name} — demo` }, `Connect to ${name}`);
    const card = el('article', { class: 'card', 'data-key': key },
      el('div', { class: 'card-head' }, icon, el('div', {}, el('div', { class: 'app-name' }, name), el('div', { class: 'app-hub' }, hub || 'element'))),
      button);
    card.style.setProperty('--brand', brandColour);
    card.addEventListener('click', () => select(key));
    card.addEventListener('focusin', () => select(key));
    gallery.append(card);
  }
  // The "blocked popup" scenario stands in for the browser's blocker: the button's own click handler
  // (which runs after this capture listener) then meets window.open returning null, exactly as when blocked.
  gallery.addEventListener('click', () => {
    if (config.scenario !== 'blocked') return;
    window.open = () => {
      window.open = realOpen;
      return null;
    };
    setTimeout(() => (window.open = realOpen)); // a click that opened nothing must not leave it armed
  }, true);
}

function select(key) {
  selected = key;
  for (const card of document.querySelectorAll('.card')) card.classList.toggle('selected', card.dataset.key === key);
  renderSnippet();
}

function renderSnippet() {
  const name = config.catalogue.find((e) => e.key === selected)?.name ?? selected;
  $('snippet-element').textContent = `· ${name}`;
  $('snippet').textContent = `<!-- 1. The button, anywhere in your page -->
<script type="module" src="/dist/ce-connect.js"></script>
<ce-connect-button element="${selected}" instance-name="${name}"></ce-connect-button>
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
    ${selected}: { apiKey: process.env.${selected.toUpperCase()}_KEY, apiSecret: process.env.${selected.toUpperCase()}_SECRET,
      callbackUrl: 'https://app.example.com/api/ce/${selected}/oauth/callback' },
  },
  cookieSecret: process.env.CE_COOKIE_SECRET,
  onInstanceCreated: ({ element, instance, token }) => db.saveInstance(element, instance.id, token),
});
createServer(toNodeListener(handler)).listen(3000);`;
}

function renderScenarios() {
  const group = $('scenarios');
  for (const [key, label] of Object.entries(config.scenarios)) {
    const input = el('input', { type: 'radio', name: 'scenario', value: key, checked: key === config.scenario });
    input.addEventListener('change', () => setScenario(key));
    group.append(el('label', {}, input, label));
  }
  $('scenario-note').textContent = SCENARIO_NOTES[config.scenario];
}

async function setScenario(key) {
  const response = await fetch('/demo-api/scenario', { method: 'POST', headers, body: JSON.stringify({ scenario: key }) });
  if (response.ok) {
    config.scenario = key;
    $('scenario-note').textContent = SCENARIO_NOTES[key];
    log('scenario', { scenario: key });
  }
}

function log(type, detail) {
  const time = new Date().toLocaleTimeString([], { hour12: false });
  $('log').prepend(el('li', {}, el('time', {}, time), el('span', { class: `type ${type}` }, type), el('code', {}, JSON.stringify(detail))));
  $('log-empty').hidden = true;
}

async function refreshInstances() {
  const instances = await (await fetch('/demo-api/instances')).json();
  const body = $('instances');
  body.replaceChildren(...instances.slice().reverse().map((instance) => {
    const name = config.catalogue.find((e) => e.key === instance.element)?.name ?? instance.element;
    const remove = el('button', { type: 'button', class: 'ghost' }, 'Disconnect');
    remove.addEventListener('click', async () => {
      await fetch(`/demo-api/instances/${encodeURIComponent(instance.id)}`, { method: 'DELETE', headers });
      for (const button of document.querySelectorAll(`ce-connect-button[instance-id="${CSS.escape(instance.id)}"]`)) button.instanceId = '';
      log('disconnected', { instanceId: instance.id });
      refreshInstances();
    });
    return el('tr', {}, el('td', {}, instance.id), el('td', {}, name), el('td', {}, instance.name), el('td', {}, new Date(instance.createdAt).toLocaleTimeString()), el('td', {}, remove));
  }));
  $('instances-empty').hidden = instances.length > 0;
}

function wireTheme() {
  const root = document.documentElement.style;
  const apply = () => {
    root.setProperty('--ce-connect-background', $('theme-colour').value);
    root.setProperty('--ce-connect-connected-background', $('theme-connected').value);
    root.setProperty('--ce-connect-radius', `${$('theme-radius').value}px`);
    root.setProperty('--ce-connect-font-family', $('theme-font').value);
    document.documentElement.classList.toggle('dark', $('theme-dark').checked);
  };
  for (const id of ['theme-colour', 'theme-connected', 'theme-radius', 'theme-font', 'theme-dark']) $(id).addEventListener('input', apply);
  apply();
}

for (const type of ['connect-start', 'connected', 'connect-error', 'connect-cancel']) {
  document.addEventListener(type, (event) => {
    log(type, event.detail);
    if (type === 'connected') refreshInstances();
  });
}
$('log-clear').addEventListener('click', () => {
  $('log').replaceChildren();
  $('log-empty').hidden = false;
});
$('snippet-copy').addEventListener('click', async () => {
  await navigator.clipboard?.writeText($('snippet').textContent);
  $('snippet-copy').textContent = 'Copied';
  setTimeout(() => ($('snippet-copy').textContent = 'Copy'), 1500);
});

await loadConfig();
renderGallery();
renderScenarios();
wireTheme();
select(selected);
refreshInstances();
