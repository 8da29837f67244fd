/** Japanese texts for `<ce-connect-button>`: `import 'ce-connect/i18n/ja'`; used where the nearest `lang` is `ja` or `ja-*`. */
import { defineTexts, type ConnectTextKey } from '../texts.js';

defineTexts('ja', {
  connect: '接続',
  connectTo: '{provider} に接続',
  connectedTo: '{provider} に接続済み',
  reconnect: '{provider} に再接続',
  waiting: '{provider} を待っています…',
  connectedStatus: '接続済みです。クリックすると再接続します。',
  needsReconnect: '{provider} との接続が切れました。再接続してください。',
  disconnect: '接続を解除',
  provider: 'プロバイダー',
  'invalid-config': 'ボタンの設定が正しくありません。',
  'popup-blocked': 'ポップアップがブロックされました。ポップアップを許可してもう一度お試しください。',
  network: 'サーバーに接続できませんでした。',
  backend: 'サーバーがサインインを開始できませんでした。',
  'bad-response': 'サーバーから予期しない応答がありました。',
  'invalid-oauth-url': 'サインイン URL が安全ではありませんでした。',
  'insecure-state': 'サインインの状態が安全ではありませんでした。',
  'provider-denied': 'アクセスが拒否されました。',
  'provider-error': 'プロバイダーからエラーが報告されました。',
  'invalid-callback': 'サインインの応答が無効でした。',
  'exchange-failed': '接続を完了できませんでした。',
  timeout: 'サインインに時間がかかりすぎました。',
  'disconnect-failed': '接続を解除できませんでした。',
} satisfies Record<ConnectTextKey, string>);
