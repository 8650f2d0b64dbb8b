import type { Locale } from '../common/locale';

/** Every text of the chat panel, per language. Functions take the values to insert (never HTML). */
export interface ChatTexts {
  title: string;
  close: string;
  subtitleIdle: string;
  subtitleWaiting: string;
  subtitleOperator: (name: string) => string;
  subtitleOperatorAway: (name: string) => string;
  prechatIntro: string;
  nameLabel: string;
  emailLabel: string;
  optional: string;
  startChat: string;
  fieldRequired: string;
  emailInvalid: string;
  /** Above the pre-chat step shown again because the API refused its values (their reasons under the fields). */
  profileRefused: string;
  emptyChat: string;
  messageLabel: string;
  messagePlaceholder: string;
  send: string;
  messagesLabel: string;
  tooLong: (max: number) => string;
  queuePosition: (position: number) => string;
  estimatedWait: (seconds: number) => string;
  noOperator: string;
  operatorJoined: (name: string) => string;
  operatorTyping: (name: string) => string;
  operatorFallbackName: string;
  you: string;
  sending: string;
  sent: string;
  notSent: string;
  /** A message refused for a reason that may pass, which the widget sends again by itself. */
  retrying: string;
  notSentClosed: string;
  retry: string;
  connectionLost: string;
  /** Final: the server refuses this site (its origin is not in ALLOWED_ORIGINS). */
  unavailable: string;
  earlier: string;
  leave: string;
  closedByOperator: string;
  closedByVisitor: string;
  resolution: string;
  rateTitle: string;
  scoreLabels: readonly [string, string, string, string, string];
  commentLabel: string;
  submitRating: string;
  ratingFailed: string;
  thanks: string;
  newChat: string;
  systemClosed: (resolution: string) => string;
  systemLeft: string;
  startFailed: string;
  identityRefused: string;
}

const minutes = (seconds: number) => Math.max(1, Math.round(seconds / 60));

/** English and Russian texts. */
export const TEXTS: Record<Locale, ChatTexts> = {
  en: {
    title: 'Chat with us',
    close: 'Close chat',
    subtitleIdle: 'Ask us anything: we usually reply within minutes',
    subtitleWaiting: 'Waiting for an operator',
    subtitleOperator: (name) => `You are chatting with ${name}`,
    subtitleOperatorAway: (name) => `${name} is away for a moment`,
    prechatIntro: 'Hi! Tell us who you are, so we can get back to you even if you leave the page.',
    nameLabel: 'Your name',
    emailLabel: 'E-mail',
    optional: '(optional)',
    startChat: 'Start chat',
    fieldRequired: 'Please fill in this field.',
    emailInvalid: 'Please enter a valid e-mail address.',
    profileRefused: 'Please check your details. Your messages are kept and will be sent as soon as you continue.',
    emptyChat: 'Write your question below and an operator will answer here.',
    messageLabel: 'Message',
    messagePlaceholder: 'Type your message…',
    send: 'Send',
    messagesLabel: 'Messages',
    tooLong: (max) => `A message can be at most ${max} characters long.`,
    queuePosition: (position) => `You are number ${position} in the queue.`,
    estimatedWait: (seconds) => (seconds < 60 ? 'Estimated wait: less than a minute.' : `Estimated wait: about ${minutes(seconds)} min.`),
    noOperator: 'No operator is online right now. Your message is kept, and we will answer here as soon as someone is back.',
    operatorJoined: (name) => `${name} joined the chat`,
    operatorTyping: (name) => `${name} is typing…`,
    operatorFallbackName: 'Operator',
    you: 'You',
    sending: 'Sending…',
    sent: 'Sent',
    notSent: 'Not sent',
    retrying: 'Not sent yet · retrying…',
    notSentClosed: 'Not sent: the chat is closed',
    retry: 'Retry',
    connectionLost: 'Connection lost. Reconnecting…',
    unavailable: 'Chat is not available on this site.',
    earlier: 'Show earlier messages',
    leave: 'End chat',
    closedByOperator: 'The operator closed the chat.',
    closedByVisitor: 'You ended the chat.',
    resolution: 'Resolution:',
    rateTitle: 'How was this chat?',
    scoreLabels: ['1 of 5: very bad', '2 of 5: bad', '3 of 5: okay', '4 of 5: good', '5 of 5: excellent'],
    commentLabel: 'Comment (optional)',
    submitRating: 'Send rating',
    ratingFailed: 'The rating could not be sent. Please try again.',
    thanks: 'Thank you for your feedback!',
    newChat: 'Start a new chat',
    systemClosed: (resolution) => `Chat closed: ${resolution}`,
    systemLeft: 'You left the chat',
    startFailed: 'Something went wrong. Please try again.',
    identityRefused: 'We could not confirm your account. Reload the page and try again.',
  },
  ru: {
    title: 'Напишите нам',
    close: 'Закрыть чат',
    subtitleIdle: 'Спросите что угодно: обычно мы отвечаем за несколько минут',
    subtitleWaiting: 'Ожидаем оператора',
    subtitleOperator: (name) => `Вам отвечает ${name}`,
    subtitleOperatorAway: (name) => `${name} ненадолго отошёл(ла)`,
    prechatIntro: 'Здравствуйте! Представьтесь, чтобы мы могли ответить, даже если вы закроете страницу.',
    nameLabel: 'Ваше имя',
    emailLabel: 'E-mail',
    optional: '(необязательно)',
    startChat: 'Начать чат',
    fieldRequired: 'Заполните это поле.',
    emailInvalid: 'Проверьте адрес e-mail.',
    profileRefused: 'Проверьте ваши данные. Сообщения сохранены и будут отправлены, как только вы продолжите.',
    emptyChat: 'Напишите вопрос ниже — оператор ответит здесь.',
    messageLabel: 'Сообщение',
    messagePlaceholder: 'Введите сообщение…',
    send: 'Отправить',
    messagesLabel: 'Сообщения',
    tooLong: (max) => `Сообщение может быть не длиннее ${max} символов.`,
    queuePosition: (position) => `Ваше место в очереди: ${position}.`,
    estimatedWait: (seconds) => (seconds < 60 ? 'Примерное ожидание: меньше минуты.' : `Примерное ожидание: около ${minutes(seconds)} мин.`),
    noOperator: 'Сейчас нет операторов в сети. Ваше сообщение сохранено — мы ответим здесь, как только кто-нибудь появится.',
    operatorJoined: (name) => `${name} присоединился(лась) к чату`,
    operatorTyping: (name) => `${name} печатает…`,
    operatorFallbackName: 'Оператор',
    you: 'Вы',
    sending: 'Отправляется…',
    sent: 'Отправлено',
    notSent: 'Не отправлено',
    retrying: 'Ещё не отправлено · повторяем…',
    notSentClosed: 'Не отправлено: чат закрыт',
    retry: 'Повторить',
    connectionLost: 'Связь потеряна. Переподключаемся…',
    unavailable: 'Чат недоступен на этом сайте.',
    earlier: 'Показать более ранние сообщения',
    leave: 'Завершить чат',
    closedByOperator: 'Оператор завершил чат.',
    closedByVisitor: 'Вы завершили чат.',
    resolution: 'Итог:',
    rateTitle: 'Как прошёл разговор?',
    scoreLabels: ['1 из 5: очень плохо', '2 из 5: плохо', '3 из 5: нормально', '4 из 5: хорошо', '5 из 5: отлично'],
    commentLabel: 'Комментарий (необязательно)',
    submitRating: 'Отправить оценку',
    ratingFailed: 'Не удалось отправить оценку. Попробуйте ещё раз.',
    thanks: 'Спасибо за отзыв!',
    newChat: 'Начать новый чат',
    systemClosed: (resolution) => `Чат завершён: ${resolution}`,
    systemLeft: 'Вы покинули чат',
    startFailed: 'Что-то пошло не так. Попробуйте ещё раз.',
    identityRefused: 'Не удалось подтвердить вашу учётную запись. Обновите страницу и попробуйте ещё раз.',
  },
};

/**
 * The API writes SYSTEM lines in English ("Anna joined the chat", "Chat closed: …", "The visitor left the
 * chat"); this shows the known ones in the widget's language and any other line unchanged.
 */
export function localizeSystemLine(content: string, t: ChatTexts): string {
  const joined = /^(.+) joined the chat$/.exec(content);
  if (joined) return t.operatorJoined(joined[1]);
  if (content.startsWith('Chat closed: ')) return t.systemClosed(content.slice('Chat closed: '.length));
  if (content === 'The visitor left the chat') return t.systemLeft;
  return content;
}
