/**
 * A real SMTP server for tests (smtp-server + mailparser) that keeps every message it accepts and can refuse
 * chosen recipients with a permanent 550, the way a mail server refuses an unknown mailbox.
 * (Stand-in until test/support/smtp-sink.ts from the sign-in work is shared; same idea.)
 */
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMessage {
  to: string[];
  subject: string;
  text: string;
  html: string;
  messageId: string | undefined;
}

export interface SmtpSink {
  url: string;
  port: number;
  messages: ReceivedMessage[];
  /** Recipients (lower-cased) refused with 550 at RCPT TO. */
  refuse: Set<string>;
  messagesTo(address: string): ReceivedMessage[];
  clear(): void;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: ReceivedMessage[] = [];
  const refuse = new Set<string>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (refuse.has(address.address.toLowerCase())) {
        const err = new Error(`mailbox ${address.address} unavailable`) as Error & { responseCode: number };
        err.responseCode = 550;
        return callback(err);
      }
      callback();
    },
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          const to = (Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : []).flatMap((a) => a.value.map((v) => (v.address ?? '').toLowerCase()));
          messages.push({ to, subject: mail.subject ?? '', text: mail.text ?? '', html: typeof mail.html === 'string' ? mail.html : '', messageId: mail.messageId });
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as { port: number }).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    refuse,
    messagesTo: (address) => messages.filter((m) => m.to.includes(address.toLowerCase())),
    clear() {
      messages.length = 0;
      refuse.clear();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The set-password link in a received credentials email. */
export function setPasswordLinkIn(message: ReceivedMessage): string {
  const m = /(https?:\/\/[^\s<>"]+\/sso\/set-password\?token=[A-Za-z0-9_%-]+)/.exec(message.text);
  if (!m) throw new Error(`no set-password link in message "${message.subject}"`);
  return m[1];
}
