/**
 * A real SMTP server for tests (smtp-server + mailparser) on a free loopback port: the gateway sends mail to
 * it over SMTP exactly as it would to a real relay, and tests read what arrived.
 *
 * API:
 * - `const sink = await startSmtpSink({ refuseRecipients?: /pattern/ })` — listening; `sink.url` is the value
 *   for `PARTNERGATE_SMTP_URL` (`smtp://127.0.0.1:<port>`), `sink.port` the port.
 * - `sink.messages`: every message received, in order: `{ to: string[] (envelope, lower case), from, subject,
 *   text, html, messageId, headers, receivedAt }`.
 * - `await sink.waitForMessage(to, { timeoutMs = 5000, subject?: RegExp, after?: number })`: the first message
 *   to that address (case-insensitive) matching `subject` and received after index `after` (default: any);
 *   waits for it, rejects after the timeout naming what arrived.
 * - `await sink.waitForLink(to, /\/sso\/reset\?token=/, opts)`: waits for a message and returns the first URL
 *   in its text (or HTML) body containing the pattern. `extractLink(message, pattern)` does the same on a
 *   message you already have.
 * - `sink.messagesTo(address)`, `sink.clear()`.
 * - Fault: `sink.refuseRecipients(/@bounce\.test$/)` (or the start option) answers `550 5.1.1` to RCPT TO for
 *   matching addresses (a permanent refusal, as a mailbox that does not exist); `refuseRecipients(null)` stops.
 * - `await sink.close()`; call it in `after()` (or register it with `onRunEnd`).
 */
import { once } from 'node:events';
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMessage {
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  headers: Map<string, unknown>;
  receivedAt: number;
}

export interface SmtpSink {
  url: string;
  port: number;
  messages: ReceivedMessage[];
  messagesTo(address: string): ReceivedMessage[];
  waitForMessage(to: string, opts?: { timeoutMs?: number; subject?: RegExp; after?: number }): Promise<ReceivedMessage>;
  waitForLink(to: string, pattern: RegExp | string, opts?: { timeoutMs?: number; subject?: RegExp; after?: number }): Promise<string>;
  refuseRecipients(pattern: RegExp | null): void;
  clear(): void;
  close(): Promise<void>;
}

const URL_PATTERN = /https?:\/\/[^\s"'<>]+/g;

/** The first URL in the message's text (then HTML) body that contains `pattern`. */
export function extractLink(message: ReceivedMessage, pattern: RegExp | string): string {
  for (const body of [message.text, message.html]) {
    for (const url of body.match(URL_PATTERN) ?? []) {
      const clean = url.replace(/&amp;/g, '&');
      if (typeof pattern === 'string' ? clean.includes(pattern) : pattern.test(clean)) return clean;
    }
  }
  throw new Error(`no link matching ${String(pattern)} in "${message.subject}"`);
}

export async function startSmtpSink(opts: { refuseRecipients?: RegExp } = {}): Promise<SmtpSink> {
  const messages: ReceivedMessage[] = [];
  const arrivals = new EventEmitter();
  let refuse: RegExp | null = opts.refuseRecipients ?? null;

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 10 * 1024 * 1024,
    onRcptTo(address, _session, callback) {
      if (refuse && refuse.test(address.address)) {
        const err = new Error('5.1.1 Mailbox unavailable') as Error & { responseCode: number };
        err.responseCode = 550;
        return callback(err);
      }
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          const message: ReceivedMessage = {
            to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            messageId: parsed.messageId ?? '',
            headers: parsed.headers as Map<string, unknown>,
            receivedAt: Date.now(),
          };
          messages.push(message);
          arrivals.emit('message', message);
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  // A sender killed mid-message (the crash tests) resets its connection: the sink goes on, as a mail server does.
  server.on('error', () => undefined);
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  const port = (server.server.address() as AddressInfo).port;

  const matches = (m: ReceivedMessage, to: string, subject?: RegExp) => m.to.includes(to.toLowerCase()) && (!subject || subject.test(m.subject));

  const sink: SmtpSink = {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    messagesTo: (address) => messages.filter((m) => m.to.includes(address.toLowerCase())),
    waitForMessage(to, o = {}) {
      const after = o.after ?? 0;
      const found = messages.slice(after).find((m) => matches(m, to, o.subject));
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const onMessage = (m: ReceivedMessage) => {
          if (!matches(m, to, o.subject)) return;
          clearTimeout(timer);
          arrivals.off('message', onMessage);
          resolve(m);
        };
        const timer = setTimeout(() => {
          arrivals.off('message', onMessage);
          const seen = messages.map((m) => `${m.to.join(',')}: ${m.subject}`).join('; ') || 'nothing';
          reject(new Error(`no email to ${to} within ${o.timeoutMs ?? 5000} ms (received: ${seen})`));
        }, o.timeoutMs ?? 5000);
        arrivals.on('message', onMessage);
      });
    },
    async waitForLink(to, pattern, o) {
      return extractLink(await sink.waitForMessage(to, o), pattern);
    },
    refuseRecipients(pattern) {
      refuse = pattern;
    },
    clear() {
      messages.length = 0;
    },
    close() {
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return sink;
}
