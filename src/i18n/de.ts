/** German texts for `<ce-connect-button>`: `import 'ce-connect/i18n/de'`; used where the nearest `lang` is `de` or `de-*`. */
import { defineTexts, type ConnectTextKey } from '../texts.js';

defineTexts('de', {
  connect: 'Verbinden',
  connectTo: 'Mit {provider} verbinden',
  connectedTo: 'Mit {provider} verbunden',
  reconnect: 'Erneut mit {provider} verbinden',
  waiting: 'Anmeldung bei {provider}…',
  connectedStatus: 'Verbunden. Klicken, um erneut zu verbinden.',
  needsReconnect: 'Die Verbindung mit {provider} funktioniert nicht mehr: bitte erneut verbinden.',
  disconnect: 'Trennen',
  provider: 'dem Anbieter',
  'invalid-config': 'Die Schaltfläche ist falsch konfiguriert.',
  'popup-blocked': 'Pop-up blockiert: Pop-ups erlauben und erneut versuchen.',
  network: 'Der Server ist nicht erreichbar.',
  backend: 'Der Server konnte die Anmeldung nicht starten.',
  'bad-response': 'Der Server hat unerwartet geantwortet.',
  'invalid-oauth-url': 'Die Anmelde-URL war unsicher.',
  'insecure-state': 'Der Anmeldestatus war unsicher.',
  'provider-denied': 'Der Zugriff wurde verweigert.',
  'provider-error': 'Der Anbieter hat einen Fehler gemeldet.',
  'invalid-callback': 'Die Antwort der Anmeldung war ungültig.',
  'exchange-failed': 'Die Verbindung konnte nicht hergestellt werden.',
  timeout: 'Die Anmeldung hat zu lange gedauert.',
  'disconnect-failed': 'Die Verbindung konnte nicht entfernt werden.',
} satisfies Record<ConnectTextKey, string>);
