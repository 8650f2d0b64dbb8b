import { escapeHtml, shorten, singleLine } from '../html-text';
import { Notice } from '../notice';

/** A notification e-mail's content; nodemailer encodes it (RFC 2047 subject, UTF-8 parts) for any Unicode. */
export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

/** Longest subject, in UTF-16 code units. */
const MAX_SUBJECT_LENGTH = 150;

/**
 * The notice as an e-mail with a plain-text and an HTML part. Visitor strings can add no header: the
 * subject is made one line (control characters, CR and LF become spaces) and the other headers hold no
 * visitor input; in the HTML part every visitor string is escaped.
 */
export function emailContent(notice: Notice): EmailContent {
  const facts = notice.facts.map(({ label, value }) => ({ label, value: singleLine(value) }));
  const text = [
    notice.headline,
    '',
    ...facts.map(({ label, value }) => `${label}: ${value}`),
    ...(notice.body === undefined ? [] : ['', notice.body]),
    '',
    `${notice.link.text}: ${notice.link.url}`,
    '',
  ].join('\n');
  const rows = facts.map(({ label, value }) => `<tr><th align="left">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`).join('');
  const html = [
    `<p><strong>${escapeHtml(notice.headline)}</strong></p>`,
    `<table>${rows}</table>`,
    notice.body === undefined ? '' : `<p style="white-space: pre-wrap">${escapeHtml(notice.body)}</p>`,
    `<p><a href="${escapeHtml(notice.link.url)}">${escapeHtml(notice.link.text)}</a></p>`,
  ].join('\n');
  return { subject: shorten(singleLine(notice.subject), MAX_SUBJECT_LENGTH), text, html };
}
