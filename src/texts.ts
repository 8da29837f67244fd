import { ERROR_MESSAGES } from './errors.js';

/**
 * Every text the button shows, in English: its labels, its status lines and the default message of each error
 * code. `{provider}` stands for the provider's display name. A page replaces any of them per element (the
 * `texts` property) or for every button in one language (`defineTexts`); translations (`ce-connect/i18n/de`, …)
 * are modules that call `defineTexts`, outside the core bundle.
 */
export const TEXTS = {
  connect: 'Connect',
  connectTo: 'Connect to {provider}',
  connectedTo: 'Connected to {provider}',
  reconnect: 'Reconnect {provider}',
  waiting: 'Waiting for {provider}…',
  connectedStatus: 'Connected. Click to reconnect.',
  needsReconnect: 'The connection to {provider} stopped working: reconnect it.',
  disconnect: 'Disconnect',
  provider: 'the provider',
  ...ERROR_MESSAGES,
};

/** The key of a text in {@link TEXTS}. */
export type ConnectTextKey = keyof typeof TEXTS;

/** Replacement texts: any subset of {@link TEXTS}. */
export type ConnectTexts = { [K in ConnectTextKey]?: string };

// One registry per page, on a global symbol: a translation module loaded beside dist/ce-connect.js (which has its
// own copy of this module) must reach the same table.
// No prototype anywhere: `defineTexts('__proto__', …)` is a language like any other, and a polluted
// Object.prototype never answers for a text.
const registry: Record<string, ConnectTexts> = ((globalThis as Record<symbol, unknown>)[
  Symbol.for('ce-connect.texts')
] ??= Object.create(null)) as Record<string, ConnectTexts>;

/**
 * Sets texts for every button on the page whose language is `lang` (a BCP 47 tag such as `de` or `de-CH`;
 * `en` for pages that name none). Later calls add to earlier ones. Call it before the buttons render.
 */
export function defineTexts(lang: string, texts: ConnectTexts): void {
  Object.assign((registry[lang.toLowerCase()] ??= Object.create(null) as ConnectTexts), texts);
}

/** The language of `host`: its own or its nearest ancestor's `lang`, then the document's; lower case. */
export const langOf = (host: HTMLElement) =>
  (host.closest('[lang]')?.getAttribute('lang') || document.documentElement.lang || 'en').toLowerCase();

/**
 * The text `key` for `host`: its own `texts`, then the page's for its language (the `lang` of the element or its
 * nearest ancestor, then of the document: `de-ch`, then `de`), then English.
 */
export function textFor(host: HTMLElement, texts: ConnectTexts | undefined, key: ConnectTextKey): string {
  const lang = langOf(host);
  // The registry's tables have no prototype; the host's own `texts` is read for its own properties.
  return (
    (texts && Object.hasOwn(texts, key)
      ? texts[key]
      : (registry[lang]?.[key] ?? registry[lang.split('-')[0]]?.[key])) ?? TEXTS[key]
  );
}
