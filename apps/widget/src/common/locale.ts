/** Languages the widget's own texts exist in. */
export type Locale = 'en' | 'ru';

/**
 * The widget language: the first of `explicit` (`data-locale`), `pageLang` (`<html lang>`) and
 * `browserLang` (`navigator.language`) that is set; Russian for any `ru…` tag, English otherwise.
 */
export function pickLocale(explicit?: string | null, pageLang?: string | null, browserLang?: string | null): Locale {
  const tag = (explicit || pageLang || browserLang || 'en').toLowerCase();
  return tag === 'ru' || tag.startsWith('ru-') ? 'ru' : 'en';
}

/** The launcher's own texts (the chat panel's are in the lazily loaded part). */
export const LAUNCHER_TEXTS: Record<Locale, { open: string; close: string; unread: (n: number) => string; loading: string; loadFailed: string }> = {
  en: {
    open: 'Open chat',
    close: 'Close chat',
    unread: (n) => (n === 1 ? '1 unread message' : `${n} unread messages`),
    loading: 'Loading the chat…',
    loadFailed: 'The chat could not be loaded. Check your connection and try again.',
  },
  ru: {
    open: 'Открыть чат',
    close: 'Закрыть чат',
    unread: (n) => `Непрочитанных сообщений: ${n}`,
    loading: 'Загружаем чат…',
    loadFailed: 'Не удалось загрузить чат. Проверьте подключение и попробуйте ещё раз.',
  },
};
