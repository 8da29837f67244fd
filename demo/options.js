// The demo's sign-in options: how the buttons reach the provider (`mode`) and the language they speak (`lang`),
// and what the page must remember across a redirect-mode round trip. In redirect mode the whole tab goes to the
// provider and comes back as a fresh page load, so the options, the selected card and the event log live in this
// tab's sessionStorage (the signed-in user is the session cookie, the scenario is the server's): the prospect
// comes back to the page they left.

/** The three modes (docs/modes.md), with what the page says about each. */
export const MODES = {
  popup: {
    label: 'Popup',
    note: 'The consent page opens in a popup; this page stays where it is.',
    how: "Click a button: a real popup opens the provider's consent page (served from another origin by the offline sandbox).",
  },
  redirect: {
    label: 'Redirect',
    note: 'No popup: this tab goes to the consent page and comes back here with the result.',
    how: "Click a button: this tab goes to the provider's consent page (another origin, the offline sandbox) and comes back to this page.",
  },
  auto: {
    label: 'Auto',
    note: 'A popup where the browser allows one; where it is blocked (or in an in-app browser) the same click carries on in this tab.',
    how: "Click a button: a popup opens the provider's consent page, or, when the browser refuses it, this tab goes there and comes back.",
  },
};

/** The languages of the picker: the widget speaks English by itself and loads the others from dist/i18n/. */
export const LANGUAGES = { en: 'English', de: 'Deutsch', fr: 'Français', es: 'Español', ja: '日本語' };

/**
 * The labels the page slots into buttons for elements the widget has no display name for (a slotted label wins
 * over the widget's texts, so the page translates its own), in the wording of the widget's translations.
 */
export const SLOT_LABELS = {
  en: { connectTo: 'Connect to {provider}', connectedTo: 'Connected to {provider}', reconnect: 'Reconnect {provider}' },
  de: {
    connectTo: 'Mit {provider} verbinden',
    connectedTo: 'Mit {provider} verbunden',
    reconnect: 'Erneut mit {provider} verbinden',
  },
  fr: {
    connectTo: 'Se connecter à {provider}',
    connectedTo: 'Connecté à {provider}',
    reconnect: 'Reconnecter {provider}',
  },
  es: {
    connectTo: 'Conectar con {provider}',
    connectedTo: 'Conectado con {provider}',
    reconnect: 'Reconectar {provider}',
  },
  ja: { connectTo: '{provider} に接続', connectedTo: '{provider} に接続済み', reconnect: '{provider} に再接続' },
};

const OPTIONS_KEY = 'ce-connect-demo:options';
const LOG_KEY = 'ce-connect-demo:log';
const LOG_KEPT = 60;

function read(key, fallback) {
  try {
    return JSON.parse(sessionStorage.getItem(key)) ?? fallback;
  } catch {
    return fallback; // storage disabled or a value of an older demo: start afresh
  }
}

function write(key, value) {
  try {
    sessionStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage disabled: the page still works, it only forgets across a redirect.
  }
}

/**
 * This tab's options: `{ mode, lang, selected, away }`; `away` is the element whose button left for the provider
 * in redirect mode. Unknown values fall back to the defaults.
 */
export function readOptions() {
  const stored = read(OPTIONS_KEY, {});
  return {
    mode: Object.hasOwn(MODES, stored.mode) ? stored.mode : 'popup',
    lang: Object.hasOwn(LANGUAGES, stored.lang) ? stored.lang : 'en',
    selected: typeof stored.selected === 'string' ? stored.selected : 'sfdc',
    away: typeof stored.away === 'string' ? stored.away : undefined,
  };
}

/** Changes some of this tab's options. */
export function saveOptions(changes) {
  write(OPTIONS_KEY, { ...readOptions(), ...changes });
}

/** The event log of this tab, newest first: `[{ time, type, detail }]`. */
export function readLog() {
  const entries = read(LOG_KEY, []);
  return Array.isArray(entries) ? entries : [];
}

/** Adds an entry to the front of the kept log (the newest few only); `null` empties it. */
export function keepLogEntry(entry) {
  write(LOG_KEY, entry ? [entry, ...readLog()].slice(0, LOG_KEPT) : []);
}

/**
 * Loads the widget's texts for `lang` (a key of LANGUAGES): the translation module beside dist/ce-connect.js,
 * built by rollup, which registers its texts with `defineTexts`. English needs none.
 */
export async function loadLanguage(lang) {
  if (lang !== 'en' && Object.hasOwn(LANGUAGES, lang)) await import(`/dist/i18n/${lang}.js`);
}
