/**
 * Where the API's operator notifications go in browser tests: a fake of the Telegram Bot API and a real
 * SMTP server, both in the test process. (The API's own tests have richer ones with failure modes in
 * `apps/api/test/support`; apps may not import from each other, and these tests only need to record.)
 */
import { type ParsedMail, simpleParser } from 'mailparser';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** A request the fake Bot API received. */
export interface BotApiRequest {
  method: string;
  /** e.g. `/bot123:abc/sendMessage` */
  path: string;
  body: { chat_id?: string | number; text?: string; parse_mode?: string; [key: string]: unknown };
}

/** A local fake of the Telegram Bot API: records every request and answers `200 {ok: true}`. */
export interface FakeTelegram {
  /** Base URL to use as `TELEGRAM_API_URL`. */
  url: string;
  requests: BotApiRequest[];
  close(): Promise<void>;
}

export async function startFakeTelegram(): Promise<FakeTelegram> {
  const requests: BotApiRequest[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      let body: BotApiRequest['body'] = {};
      try {
        body = JSON.parse(raw) as BotApiRequest['body'];
      } catch {
        // recorded with an empty body
      }
      requests.push({ method: req.method ?? '', path: req.url ?? '', body });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, result: { message_id: requests.length } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A mail the sink accepted: parsed by mailparser, with its SMTP envelope. */
export interface CapturedMail {
  mail: ParsedMail;
  /** RCPT TO addresses. */
  recipients: string[];
}

/** A real SMTP server (smtp-server) that accepts any credentials and captures every mail. */
export interface SmtpSink {
  /** `smtp://user:password@127.0.0.1:<port>`, for `SMTP_URL`. */
  url: string;
  mails: CapturedMail[];
  close(): Promise<void>;
}

export async function startSmtpSink(credentials = 'parley:e2e-smtp-password'): Promise<SmtpSink> {
  const mails: CapturedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth: (_auth, _session, callback) => callback(null, { user: 'parley' }),
    onData: (stream, session, callback) => {
      simpleParser(stream).then(
        (mail) => {
          mails.push({ mail, recipients: session.envelope.rcptTo.map((r) => r.address) });
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `smtp://${credentials}@127.0.0.1:${(server.server.address() as AddressInfo).port}`,
    mails,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
