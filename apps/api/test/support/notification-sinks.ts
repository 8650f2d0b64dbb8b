import { simpleParser, ParsedMail } from 'mailparser';
import { createServer, IncomingMessage } from 'node:http';
import { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** A request the fake Bot API received. */
export interface TelegramRequest {
  /** e.g. `/bot123:abc/sendMessage` */
  path: string;
  body: { chat_id: string; text: string; parse_mode: string; [key: string]: unknown };
  /** Unix ms when it arrived. */
  at: number;
}

/** What the fake answers: an HTTP status and a Bot API JSON body. */
export interface TelegramAnswer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * A local fake of the Telegram Bot API: records every request and answers `200 {ok: true}` unless told
 * otherwise with {@link answerNext} (429, 400, 500 …). {@link beforeAnswer} runs before each answer.
 */
export class FakeTelegram {
  readonly requests: TelegramRequest[] = [];
  /** Runs before the fake answers a request (e.g. to freeze something at that moment). */
  beforeAnswer?: (request: TelegramRequest) => Promise<void>;
  /** Base URL to use as `TELEGRAM_API_URL`. */
  url = '';
  private readonly queued: TelegramAnswer[] = [];
  private readonly server = createServer((req, res) => {
    void readBody(req).then(async (raw) => {
      const request: TelegramRequest = { path: req.url ?? '', body: JSON.parse(raw), at: Date.now() };
      this.requests.push(request);
      await this.beforeAnswer?.(request);
      const answer = this.queued.shift() ?? { status: 200, body: { ok: true, result: { message_id: this.requests.length } } };
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });

  static async start(): Promise<FakeTelegram> {
    const fake = new FakeTelegram();
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  /** The next requests get these answers, in order; later ones get 200 again. */
  answerNext(...answers: TelegramAnswer[]): void {
    this.queued.push(...answers);
  }

  /** Requests to one chat. */
  to(chatId: string): TelegramRequest[] {
    return this.requests.filter((r) => String(r.body.chat_id) === chatId);
  }

  reset(): void {
    this.requests.length = 0;
    this.queued.length = 0;
    this.beforeAnswer = undefined;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => resolve(raw));
    req.on('error', reject);
  });
}

/** A mail the SMTP sink accepted: the parsed message and its SMTP envelope. */
export interface CapturedMail {
  mail: ParsedMail;
  /** RCPT TO addresses. */
  recipients: string[];
  /** MAIL FROM address. */
  sender: string;
}

/** A real SMTP server (smtp-server) in the test process that captures every mail, parsed by mailparser. */
export class SmtpSink {
  readonly mails: CapturedMail[] = [];
  /** `smtp://user:password@127.0.0.1:<port>` (any credentials are accepted). */
  url = '';
  private readonly server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth: (_auth, _session, callback) => callback(null, { user: 'parley' }),
    onData: (stream, session, callback) => {
      simpleParser(stream).then(
        (mail) => {
          this.mails.push({
            mail,
            recipients: session.envelope.rcptTo.map((r) => r.address),
            sender: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          });
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });

  static async start(credentials = 'parley:smtp-secret-pw'): Promise<SmtpSink> {
    const sink = new SmtpSink();
    await new Promise<void>((resolve) => sink.server.listen(0, '127.0.0.1', resolve));
    sink.url = `smtp://${credentials}@127.0.0.1:${(sink.server.server.address() as AddressInfo).port}`;
    return sink;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
