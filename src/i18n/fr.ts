/** French texts for `<ce-connect-button>`: `import 'ce-connect/i18n/fr'`; used where the nearest `lang` is `fr` or `fr-*`. */
import { defineTexts, type ConnectTextKey } from '../texts.js';

defineTexts('fr', {
  connect: 'Connecter',
  connectTo: 'Se connecter à {provider}',
  connectedTo: 'Connecté à {provider}',
  reconnect: 'Reconnecter {provider}',
  waiting: 'En attente de {provider}…',
  connectedStatus: 'Connecté. Cliquez pour reconnecter.',
  needsReconnect: 'La connexion à {provider} ne fonctionne plus : reconnectez-la.',
  disconnect: 'Déconnecter',
  provider: 'votre fournisseur',
  'invalid-config': 'Le bouton est mal configuré.',
  'popup-blocked': 'Fenêtre pop-up bloquée : autorisez les pop-ups et réessayez.',
  network: 'Impossible de joindre le serveur.',
  backend: "Le serveur n'a pas pu démarrer la connexion.",
  'bad-response': 'Le serveur a donné une réponse inattendue.',
  'invalid-oauth-url': "L'URL de connexion n'était pas sûre.",
  'insecure-state': "L'état de connexion n'était pas sûr.",
  'provider-denied': "L'accès a été refusé.",
  'provider-error': 'Le fournisseur a signalé une erreur.',
  'invalid-callback': 'La réponse de connexion était invalide.',
  'exchange-failed': "La connexion n'a pas pu être établie.",
  timeout: 'La connexion a pris trop de temps.',
  'disconnect-failed': "La connexion n'a pas pu être supprimée.",
} satisfies Record<ConnectTextKey, string>);
