import type { Locale } from '../common/locale';
import type { PrechatMode } from '../common/config';
import { MAX_RATING_COMMENT_LENGTH, MAX_VISITOR_NAME_LENGTH, RATING_SCORE_MAX, RATING_SCORE_MIN } from '@parley/shared';
import { h, replaceChildren } from './dom';
import { isEmailAddress } from './email';
import type { ChatTexts } from './texts';

/** What the visitor can do in the panel; the controller implements it. */
export interface ViewActions {
  prechatSubmit(values: { name: string; email: string }): void;
  send(text: string): void;
  input(text: string): void;
  retry(clientMessageId: string): void;
  loadEarlier(): void;
  leave(): void;
  rate(score: number, comment: string): void;
  newChat(): void;
  close(): void;
}

/**
 * Delivery state of one of the visitor's own messages: `retrying` failed for a reason that may pass and is
 * sent again by itself (no Retry button); `failed` waits for the visitor's Retry.
 */
export type DeliveryState = 'sending' | 'sent' | 'retrying' | 'failed' | 'refused';

/** One line of the conversation as shown. */
export interface DisplayMessage {
  /** Stable across confirmation: `c<clientMessageId>` for the visitor's own messages, else `s<seq>`. */
  key: string;
  role: 'VISITOR' | 'OPERATOR' | 'SYSTEM';
  /** Operator name (operator lines). */
  author: string | null;
  text: string;
  at: Date;
  /** Visitor lines only. */
  delivery?: DeliveryState;
  /** For a failed line: its clientMessageId, to retry. */
  retryId?: string;
}

/** The waiting-queue box: position and estimate, or that no operator is online. */
export type QueueInfo = { position: number | null; estimatedWaitSeconds: number | null; noOperator: boolean };

/** The closing box: who closed, resolution, rating step. */
export interface ClosedInfo {
  closedBy: 'OPERATOR' | 'VISITOR';
  resolution: string | null;
  rated: boolean;
  /** Whether to ask for a rating: only when an operator took part (a chat nobody accepted has nobody to rate). */
  askRating: boolean;
  ratingError?: boolean;
  ratingBusy?: boolean;
}

const ICON_CLOSE = 'M18.3 5.7a1 1 0 0 0-1.4 0L12 10.6 7.1 5.7a1 1 0 1 0-1.4 1.4l4.9 4.9-4.9 4.9a1 1 0 1 0 1.4 1.4l4.9-4.9 4.9 4.9a1 1 0 0 0 1.4-1.4L13.4 12l4.9-4.9a1 1 0 0 0 0-1.4z';
const ICON_SEND = 'M3.4 20.4 21.9 12 3.4 3.6 3.4 10.1 16 12 3.4 13.9z';

function icon(path: string): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  const p = document.createElementNS(ns, 'path');
  p.setAttribute('d', path);
  svg.appendChild(p);
  return svg;
}

/**
 * The chat panel's DOM: header, connection notice, pre-chat form, queue box, message log, typing line,
 * closing/rating box and composer. It only renders what it is told and reports what the visitor does;
 * every text from the API or the visitor goes in as a text node.
 */
export class ChatView {
  /** The panel's root element. */
  readonly element: HTMLElement;
  private readonly subtitle: HTMLParagraphElement;
  private readonly leaveButton: HTMLButtonElement;
  private readonly notice: HTMLDivElement;
  private readonly body: HTMLDivElement;
  private readonly prechatBox: HTMLDivElement;
  private readonly queueBox: HTMLDivElement;
  private readonly emptyNote: HTMLParagraphElement;
  private readonly earlierButton: HTMLButtonElement;
  private readonly log: HTMLOListElement;
  private readonly typingLine: HTMLDivElement;
  private readonly closedBox: HTMLDivElement;
  private readonly composer: HTMLFormElement;
  private readonly textarea: HTMLTextAreaElement;
  private readonly composerError: HTMLParagraphElement;
  private readonly nodes = new Map<string, { el: HTMLLIElement; version: string }>();
  private readonly time: Intl.DateTimeFormat;
  private mode: 'prechat' | 'chat' | 'closed' = 'chat';

  constructor(
    private readonly t: ChatTexts,
    locale: Locale,
    private readonly actions: ViewActions,
  ) {
    this.time = new Intl.DateTimeFormat(locale === 'ru' ? 'ru-RU' : 'en-US', { hour: '2-digit', minute: '2-digit' });
    const closeButton = h('button', { type: 'button', class: 'icon-btn close', 'aria-label': t.close, title: t.close }, icon(ICON_CLOSE));
    closeButton.addEventListener('click', () => actions.close());
    this.leaveButton = h('button', { type: 'button', class: 'text-btn leave', hidden: true }, t.leave);
    this.leaveButton.addEventListener('click', () => actions.leave());
    this.subtitle = h('p', { class: 'subtitle' }, t.subtitleIdle);
    this.notice = h('div', { class: 'notice', role: 'status', hidden: true });
    this.prechatBox = h('div', { hidden: true });
    this.queueBox = h('div', { class: 'queue', role: 'status', hidden: true });
    this.emptyNote = h('p', { class: 'empty', hidden: true }, t.emptyChat);
    this.earlierButton = h('button', { type: 'button', class: 'text-btn earlier', hidden: true }, t.earlier);
    this.earlierButton.addEventListener('click', () => actions.loadEarlier());
    this.log = h('ol', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-label': t.messagesLabel });
    this.typingLine = h('div', { class: 'typing', 'aria-live': 'polite' });
    this.closedBox = h('div', { class: 'closed', hidden: true });
    this.body = h('div', { class: 'body' }, this.prechatBox, this.queueBox, this.emptyNote, this.earlierButton, this.log, this.typingLine, this.closedBox);

    this.textarea = h('textarea', { rows: 1, 'aria-label': t.messageLabel, placeholder: t.messagePlaceholder, enterkeyhint: 'send' });
    const send = h('button', { type: 'submit', class: 'send', 'aria-label': t.send, title: t.send }, icon(ICON_SEND));
    this.composer = h('form', { class: 'composer' }, this.textarea, send);
    this.composerError = h('p', { class: 'error composer-error', role: 'alert', hidden: true });
    this.composer.addEventListener('submit', (event) => {
      event.preventDefault();
      actions.send(this.textarea.value);
    });
    this.textarea.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        actions.send(this.textarea.value);
      }
    });
    this.textarea.addEventListener('input', () => {
      this.autoGrow();
      this.setComposerError(null);
      actions.input(this.textarea.value);
    });

    this.element = h(
      'section',
      { class: 'chat', role: 'dialog', 'aria-labelledby': 'parley-title' },
      h('header', { class: 'head' }, h('div', { class: 'head-text' }, h('h2', { class: 'title', id: 'parley-title' }, t.title), this.subtitle), this.leaveButton, closeButton),
      this.notice,
      this.body,
      this.composerError,
      this.composer,
    );
    this.element.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.stopPropagation();
        actions.close();
      }
    });
  }

/**
   * Shows the pre-chat step (name and e-mail, optional or required). `refused`: the step again after the API
   * refused what was given, with those values filled in and the API's reasons under their fields (`form`:
   * a reason about no field of the form).
   */
  showPrechat(mode: PrechatMode, refused?: { values: { name?: string | null; email?: string | null }; problems: { name?: string; email?: string; form?: string } }): void {
    this.mode = 'prechat';
    const required = mode === 'required';
    const field = (label: string, input: HTMLInputElement, error: HTMLParagraphElement) =>
      h('label', { class: 'field' }, h('span', {}, label, required ? '' : ' ', required ? null : h('small', {}, this.t.optional)), input, error);
    const name = h('input', { name: 'name', autocomplete: 'name', maxlength: MAX_VISITOR_NAME_LENGTH, required });
    const email = h('input', { name: 'email', type: 'email', autocomplete: 'email', required });
    const nameError = h('p', { class: 'error', hidden: true });
    const emailError = h('p', { class: 'error', hidden: true });
    const form = h(
      'form',
      { class: 'prechat', novalidate: true },
      h('p', { class: 'intro' }, this.t.prechatIntro),
      refused ? h('p', { class: 'error', role: 'alert' }, this.t.profileRefused, refused.problems.form ? ` ${refused.problems.form}` : '') : null,
      field(this.t.nameLabel, name, nameError),
      field(this.t.emailLabel, email, emailError),
      h('button', { type: 'submit', class: 'primary' }, this.t.startChat),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const values = { name: name.value.trim(), email: email.value.trim() };
      const nameProblem = required && !values.name ? this.t.fieldRequired : null;
      const emailProblem = required && !values.email ? this.t.fieldRequired : values.email && !isEmailAddress(values.email) ? this.t.emailInvalid : null;
      if (show(nameProblem, emailProblem)) return;
      this.actions.prechatSubmit(values);
    });
    const show = (nameProblem: string | null | undefined, emailProblem: string | null | undefined): boolean => {
      for (const [input, error, problem] of [[name, nameError, nameProblem], [email, emailError, emailProblem]] as const) {
        error.hidden = !problem;
        error.textContent = problem ?? '';
        if (problem) {
          input.setAttribute('aria-invalid', 'true');
          error.id = `parley-${input.name}-error`;
          input.setAttribute('aria-describedby', error.id);
        } else input.removeAttribute('aria-invalid');
      }
      if (nameProblem) name.focus();
      else if (emailProblem) email.focus();
      return !!(nameProblem || emailProblem);
    };
    replaceChildren(this.prechatBox, form);
    this.applyMode();
    if (refused) {
      name.value = refused.values.name ?? '';
      email.value = refused.values.email ?? '';
      show(refused.problems.name, refused.problems.email);
    }
  }

  /** Shows the conversation (log and composer). */
  showChat(): void {
    this.mode = 'chat';
    replaceChildren(this.prechatBox);
    replaceChildren(this.closedBox);
    this.applyMode();
  }

  /** Shows the closing box under the conversation: who closed it, the resolution, then the rating step or thanks. */
  showClosed(info: ClosedInfo): void {
    this.mode = 'closed';
    const t = this.t;
    const children: HTMLElement[] = [h('p', {}, info.closedBy === 'OPERATOR' ? t.closedByOperator : t.closedByVisitor)];
    if (info.resolution) children.push(h('p', { class: 'resolution' }, `${t.resolution} `, info.resolution));
    if (!info.rated && info.askRating) {
      const scores = h('div', { class: 'scores' });
      for (let score = RATING_SCORE_MIN; score <= RATING_SCORE_MAX; score++) {
        scores.appendChild(
          h('label', { class: 'score' }, h('input', { type: 'radio', name: 'score', value: score, 'aria-label': t.scoreLabels[score - 1] }), h('span', { 'aria-hidden': 'true' }, String(score))),
        );
      }
      const comment = h('textarea', { name: 'comment', rows: 2, maxlength: MAX_RATING_COMMENT_LENGTH });
      const submit = h('button', { type: 'submit', class: 'primary', disabled: true }, t.submitRating);
      const form = h(
        'form',
        { class: 'rate' },
        h('fieldset', { class: 'rating' }, h('legend', {}, t.rateTitle), scores, h('label', { class: 'field' }, t.commentLabel, comment), submit),
        info.ratingError ? h('p', { class: 'error', role: 'alert' }, t.ratingFailed) : null,
      );
      form.addEventListener('change', () => (submit.disabled = !!info.ratingBusy || !form.querySelector('input:checked')));
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        const checked = form.querySelector<HTMLInputElement>('input[name=score]:checked');
        if (checked) this.actions.rate(Number(checked.value), comment.value);
      });
      children.push(form);
    } else if (info.rated) {
      children.push(h('p', { class: 'thanks', role: 'status' }, t.thanks));
    }
    const again = h('button', { type: 'button', class: 'secondary new-chat' }, t.newChat);
    again.addEventListener('click', () => this.actions.newChat());
    children.push(again);
    replaceChildren(this.closedBox, ...children);
    this.applyMode();
    this.scrollToEnd(true);
  }

  /** The header's second line: who the visitor talks to, or what is going on. */
  setSubtitle(text: string): void {
    this.subtitle.textContent = text;
  }

  /** Shows the "End chat" button while a chat session is open. */
  setCanLeave(canLeave: boolean): void {
    this.leaveButton.hidden = !canLeave;
  }

  /** The quiet connection notice; null hides it. */
  setNotice(text: string | null): void {
    this.notice.hidden = text === null;
    this.notice.textContent = text ?? '';
  }

  /** The waiting-queue box; null hides it. */
  setQueue(info: QueueInfo | null): void {
    this.queueBox.hidden = info === null || this.mode !== 'chat';
    if (!info) return replaceChildren(this.queueBox);
    this.queueBox.classList.toggle('offline', info.noOperator);
    if (info.noOperator) return replaceChildren(this.queueBox, h('p', {}, this.t.noOperator));
    replaceChildren(
      this.queueBox,
      info.position === null ? null : h('p', { class: 'position' }, this.t.queuePosition(info.position)),
      info.estimatedWaitSeconds === null ? null : h('p', { class: 'wait' }, this.t.estimatedWait(info.estimatedWaitSeconds)),
    );
  }

  /** "Anna is typing…"; null clears it. */
  setTyping(name: string | null): void {
    this.typingLine.textContent = name === null ? '' : this.t.operatorTyping(name);
  }

  /** Shows or hides "Show earlier messages". */
  setHasEarlier(hasEarlier: boolean): void {
    this.earlierButton.hidden = !hasEarlier;
  }

  /** An error under the composer; null clears it. */
  setComposerError(text: string | null): void {
    this.composerError.hidden = text === null;
    this.composerError.textContent = text ?? '';
  }

  /** The composer's text (restored draft, or cleared after sending). */
  setDraft(text: string): void {
    this.textarea.value = text;
    this.autoGrow();
  }

  /**
   * Shows exactly `messages`, in order, reusing the existing line of each key (so a confirmed message does
   * not flash, and screen readers announce only new lines).
   */
  setMessages(messages: readonly DisplayMessage[], loading = false): void {
    this.log.setAttribute('aria-busy', String(loading));
    const nearEnd = this.body.scrollHeight - this.body.scrollTop - this.body.clientHeight < 80;
    const keep = new Set(messages.map((m) => m.key));
    for (const [key, node] of this.nodes) {
      if (!keep.has(key)) {
        node.el.remove();
        this.nodes.delete(key);
      }
    }
    let cursor: ChildNode | null = this.log.firstChild;
    let appended = false;
    let previous: DisplayMessage | undefined;
    for (const message of messages) {
      const showAuthor = message.role === 'OPERATOR' && !(previous?.role === 'OPERATOR' && previous.author === message.author);
      const version = `${message.text}\u0000${message.delivery ?? ''}\u0000${showAuthor ? message.author : ''}\u0000${message.at.getTime()}`;
      let node = this.nodes.get(message.key);
      if (!node) {
        node = { el: h('li'), version: '' };
        this.nodes.set(message.key, node);
        appended = true;
      }
      if (node.version !== version) {
        this.renderLine(node.el, message, showAuthor);
        node.version = version;
      }
      if (node.el === cursor) cursor = cursor.nextSibling;
      else this.log.insertBefore(node.el, cursor);
      previous = message;
    }
    this.emptyNote.hidden = loading || messages.length > 0 || this.mode !== 'chat';
    if (appended) this.scrollToEnd(nearEnd || previous?.role === 'VISITOR');
  }

  /** Moves focus to where the visitor continues: the first pre-chat field, the rating or the message box. */
  focusStart(): void {
    const target =
      this.mode === 'prechat'
        ? this.prechatBox.querySelector('input')
        : this.mode === 'closed'
          ? this.closedBox.querySelector<HTMLElement>('input, button')
          : this.textarea;
    target?.focus();
  }

  private renderLine(el: HTMLLIElement, m: DisplayMessage, showAuthor: boolean): void {
    el.className = `msg ${m.role.toLowerCase()}${m.delivery === 'sending' || m.delivery === 'retrying' ? ' pending' : ''}${m.delivery === 'failed' || m.delivery === 'refused' ? ' failed' : ''}`;
    el.dataset['key'] = m.key;
    if (m.role === 'SYSTEM') return replaceChildren(el, m.text);
    const meta = h('div', { class: 'meta' }, h('time', { datetime: m.at.toISOString() }, this.time.format(m.at)));
    if (m.role === 'VISITOR' && m.delivery) {
      const label = { sending: this.t.sending, sent: this.t.sent, retrying: this.t.retrying, failed: this.t.notSent, refused: this.t.notSentClosed }[m.delivery];
      meta.appendChild(h('span', { class: `status ${m.delivery}` }, label));
      if (m.delivery === 'failed' && m.retryId) {
        const retryId = m.retryId;
        const retry = h('button', { type: 'button', class: 'text-btn retry' }, this.t.retry);
        retry.addEventListener('click', () => this.actions.retry(retryId));
        meta.appendChild(retry);
      }
    }
    replaceChildren(
      el,
      showAuthor ? h('div', { class: 'who' }, m.author ?? this.t.operatorFallbackName) : null,
      m.role === 'VISITOR' ? h('span', { class: 'sr' }, `${this.t.you}: `) : null,
      h('div', { class: 'bubble' }, m.text),
      meta,
    );
  }

  private applyMode(): void {
    this.prechatBox.hidden = this.mode !== 'prechat';
    this.log.hidden = this.mode === 'prechat';
    this.composer.hidden = this.mode !== 'chat';
    this.closedBox.hidden = this.mode !== 'closed';
    if (this.mode !== 'chat') {
      this.queueBox.hidden = true;
      this.typingLine.textContent = '';
      this.composerError.hidden = true;
    }
    this.emptyNote.hidden = this.mode !== 'chat' || this.nodes.size > 0;
  }

  private autoGrow(): void {
    this.textarea.style.height = 'auto';
    if (this.textarea.scrollHeight) this.textarea.style.height = `${Math.min(120, this.textarea.scrollHeight + 2)}px`;
  }

  private scrollToEnd(force: boolean): void {
    if (force) this.body.scrollTop = this.body.scrollHeight;
  }
}
