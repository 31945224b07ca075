/**
 * An SMTP sink that survives clients dying mid-conversation (a migration killed with SIGKILL while sending):
 * connection errors are expected here, not test failures. Keeps the envelope recipients of each message.
 */
import { SMTPServer } from 'smtp-server';

export interface KillableSink {
  url: string;
  messages: Array<{ to: string[] }>;
  messagesTo(address: string): Array<{ to: string[] }>;
  clear(): void;
  close(): Promise<void>;
}

export async function startKillableSink(): Promise<KillableSink> {
  const messages: Array<{ to: string[] }> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    disableReverseLookup: true,
    onData(stream, session, callback) {
      stream.on('end', () => {
        messages.push({ to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()) });
        callback();
      });
      stream.resume();
    },
  });
  server.on('error', () => {
    /* a client killed mid-send resets its connection: expected */
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as { port: number }).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    messagesTo: (address) => messages.filter((m) => m.to.includes(address.toLowerCase())),
    clear: () => void (messages.length = 0),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
