/**
 * The texts of the handler's own pages (the credentials form) in the five languages the element ships
 * (`ce-connect/i18n`): English, German, French, Spanish and Japanese. `{name}` is the element's display name,
 * `{app}` the host's `appName`.
 */

export type PageLanguage = 'en' | 'de' | 'fr' | 'es' | 'ja';

export interface PageTexts {
  /** Page title and heading with an app name. */
  readonly titleWithApp: string;
  /** … without one. */
  readonly title: string;
  readonly intro: string;
  readonly optional: string;
  readonly submit: string;
  /** Cloud Elements refused the values. */
  readonly refused: string;
  /** A required field was left empty. */
  readonly missing: string;
  /** No usable flow: expired, another browser, already used. */
  readonly gone: string;
  /** A post the form could not have sent. */
  readonly unreadable: string;
}

const TEXTS: Readonly<Record<PageLanguage, PageTexts>> = {
  en: {
    titleWithApp: 'Connect {name} to {app}',
    title: 'Connect {name}',
    intro: 'Enter the details of your {name} account.',
    optional: '(optional)',
    submit: 'Connect',
    refused: '{name} did not accept these details. Check them and try again.',
    missing: 'Fill in every required field.',
    gone: 'This sign-in has expired or was started in another browser. Close this window and start again.',
    unreadable: 'This form could not be read. Close this window and start again.',
  },
  de: {
    titleWithApp: '{name} mit {app} verbinden',
    title: '{name} verbinden',
    intro: 'Geben Sie die Daten Ihres {name}-Kontos ein.',
    optional: '(optional)',
    submit: 'Verbinden',
    refused: '{name} hat diese Angaben nicht akzeptiert. Bitte prüfen Sie sie und versuchen Sie es erneut.',
    missing: 'Bitte füllen Sie alle Pflichtfelder aus.',
    gone: 'Diese Anmeldung ist abgelaufen oder wurde in einem anderen Browser begonnen. Schließen Sie dieses Fenster und beginnen Sie neu.',
    unreadable: 'Dieses Formular konnte nicht gelesen werden. Schließen Sie dieses Fenster und beginnen Sie neu.',
  },
  fr: {
    titleWithApp: 'Connecter {name} à {app}',
    title: 'Connecter {name}',
    intro: 'Saisissez les informations de votre compte {name}.',
    optional: '(facultatif)',
    submit: 'Connecter',
    refused: '{name} n’a pas accepté ces informations. Vérifiez-les et réessayez.',
    missing: 'Remplissez tous les champs obligatoires.',
    gone: 'Cette connexion a expiré ou a été commencée dans un autre navigateur. Fermez cette fenêtre et recommencez.',
    unreadable: 'Ce formulaire n’a pas pu être lu. Fermez cette fenêtre et recommencez.',
  },
  es: {
    titleWithApp: 'Conectar {name} con {app}',
    title: 'Conectar {name}',
    intro: 'Introduce los datos de tu cuenta de {name}.',
    optional: '(opcional)',
    submit: 'Conectar',
    refused: '{name} no aceptó estos datos. Revísalos e inténtalo de nuevo.',
    missing: 'Rellena todos los campos obligatorios.',
    gone: 'Este inicio de sesión ha caducado o se inició en otro navegador. Cierra esta ventana y vuelve a empezar.',
    unreadable: 'No se pudo leer este formulario. Cierra esta ventana y vuelve a empezar.',
  },
  ja: {
    titleWithApp: '{name} を {app} に接続',
    title: '{name} を接続',
    intro: '{name} アカウントの情報を入力してください。',
    optional: '(任意)',
    submit: '接続',
    refused: '{name} はこの情報を受け付けませんでした。確認してもう一度お試しください。',
    missing: '必須項目をすべて入力してください。',
    gone: 'このサインインは期限切れか、別のブラウザーで開始されました。このウィンドウを閉じて、最初からやり直してください。',
    unreadable: 'このフォームを読み取れませんでした。このウィンドウを閉じて、最初からやり直してください。',
  },
};

/** The page language for a `lang` query (a BCP 47 tag: `de`, `de-CH`); `undefined` for none or another language. */
export function pageLanguage(values: readonly string[]): PageLanguage | undefined {
  if (values.length !== 1) return undefined;
  const primary = (values[0] as string).toLowerCase().split('-')[0] as PageLanguage;
  return Object.hasOwn(TEXTS, primary) ? primary : undefined;
}

/** The texts of `lang` (English by default), with `{name}` and `{app}` filled in. */
export function pageTexts(lang: PageLanguage | undefined, name: string, app: string | undefined): PageTexts {
  const texts = TEXTS[lang ?? 'en'];
  const fill = (text: string) => text.replaceAll('{name}', name).replaceAll('{app}', app ?? '');
  return Object.fromEntries(
    Object.entries(texts).map(([key, text]: [string, string]) => [key, fill(text)]),
  ) as unknown as PageTexts;
}
