import { Notice } from '../notice';
import { emailContent } from './email-message';

const notice: Notice = {
  headline: 'New chat waiting, no operator online',
  subject: 'New chat waiting, no operator online: Ann\r\nBcc: evil@example.com — Привет 👋 <script>',
  facts: [{ label: 'Visitor', value: 'Ann\r\nBcc: evil@example.com' }],
  body: 'Привет 👋\n<script>alert(1)</script> & more',
  link: { url: 'https://chat.example.com/console/chats/abc', text: 'Open the chat in the console' },
};

describe('emailContent', () => {
  it('makes a one-line subject, whatever the visitor typed', () => {
    const { subject } = emailContent(notice);
    expect(subject).not.toMatch(/[\r\n]/);
    expect(subject).toBe('New chat waiting, no operator online: Ann Bcc: evil@example.com — Привет 👋 <script>');
  });

  it('shortens a long subject', () => {
    expect(emailContent({ ...notice, subject: 'x'.repeat(500) }).subject).toHaveLength(150);
  });

  it('writes the plain-text part as typed and escapes the HTML part', () => {
    const { text, html } = emailContent(notice);
    expect(text).toContain('Visitor: Ann Bcc: evil@example.com\n');
    expect(text).toContain('Привет 👋\n<script>alert(1)</script> & more');
    expect(text).toContain('Open the chat in the console: https://chat.example.com/console/chats/abc');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; more');
    expect(html).not.toContain('<script>');
    expect(html).toContain('<a href="https://chat.example.com/console/chats/abc">Open the chat in the console</a>');
  });
});
