/** Spanish texts for `<ce-connect-button>`: `import 'ce-connect/i18n/es'`; used where the nearest `lang` is `es` or `es-*`. */
import { defineTexts, type ConnectTextKey } from '../texts.js';

defineTexts('es', {
  connect: 'Conectar',
  connectTo: 'Conectar con {provider}',
  connectedTo: 'Conectado con {provider}',
  reconnect: 'Reconectar {provider}',
  waiting: 'Esperando a {provider}…',
  connectedStatus: 'Conectado. Haz clic para reconectar.',
  needsReconnect: 'La conexión con {provider} dejó de funcionar: vuelve a conectarla.',
  disconnect: 'Desconectar',
  provider: 'tu proveedor',
  'invalid-config': 'El botón está mal configurado.',
  'popup-blocked': 'Ventana emergente bloqueada: permite las ventanas emergentes e inténtalo de nuevo.',
  network: 'No se pudo contactar con el servidor.',
  backend: 'El servidor no pudo iniciar el inicio de sesión.',
  'bad-response': 'El servidor dio una respuesta inesperada.',
  'invalid-oauth-url': 'La URL de inicio de sesión no era segura.',
  'insecure-state': 'El estado de inicio de sesión no era seguro.',
  'provider-denied': 'Se denegó el acceso.',
  'provider-error': 'El proveedor informó de un error.',
  'invalid-callback': 'La respuesta del inicio de sesión no era válida.',
  'exchange-failed': 'No se pudo completar la conexión.',
  timeout: 'El inicio de sesión tardó demasiado.',
  'disconnect-failed': 'No se pudo eliminar la conexión.',
} satisfies Record<ConnectTextKey, string>);
