/**
 * Structured logging with pino. Redacts every header and field that can carry a secret, so that
 * passwords, tokens, cookies and keys never reach the log even when a whole request is logged.
 *
 * Everything reaches stdout synchronously, so no line is held back by the event loop and a crash loses none:
 * ordinary lines through pino's destination (sonic-boom), one write each. The access log's one line per request
 * is written in batches to the same descriptor (src/common/bulk-log.ts).
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

export const redactedPaths = [
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-partnergate-identity"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.token',
  '*.secret',
  '*.apiKey',
  '*.api_key',
  '*.code',
  '*.state',
  '*.nonce',
];

/**
 * pino's `isoTime`, formatted once per millisecond: under load many lines share a millisecond, and the access log
 * writes one line per request.
 */
let lastMs = -1;
let lastTime = '';
function isoTime(): string {
  return isoTimeAt(Date.now());
}

/** `,"time":"<ISO 8601>"` for the time `ms` (epoch milliseconds), as pino's `isoTime` writes it. */
export function isoTimeAt(ms: number): string {
  if (ms !== lastMs) {
    lastMs = ms;
    lastTime = `,"time":"${new Date(ms).toISOString()}"`;
  }
  return lastTime;
}

/** stdout destinations made here (shared by every child logger of a `createLogger` without a destination). */
const stdoutStreams = new WeakSet<object>();

/** The descriptor `logger` writes to when it is the synchronous stdout destination `createLogger` made, else undefined. */
export function stdoutDescriptor(logger: Logger): number | undefined {
  const stream = destinationOf(logger);
  return stdoutStreams.has(stream) ? (stream as unknown as { fd: number }).fd : undefined;
}

/** The destination stream `logger` writes its lines to. */
export function destinationOf(logger: Logger): { write(line: string): unknown } {
  return (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as { write(line: string): unknown };
}

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  let stream = destination as DestinationStream | undefined;
  if (stream === undefined) {
    stream = pino.destination({ dest: 1, sync: true });
    stdoutStreams.add(stream);
  }
  return pino(
    {
      level,
      base: { service: 'partnergate' },
      redact: { paths: redactedPaths, censor: '[redacted]' },
      timestamp: isoTime,
    },
    stream,
  );
}
