/**
 * Structured logging with pino. Redacts every header and field that can carry a secret, so that
 * passwords, tokens, cookies and keys never reach the log even when a whole request is logged.
 *
 * Two ways to stdout: ordinary lines (start-up, warnings, errors) are written synchronously, so none is held
 * back and a crash loses none; the access log's one line per request goes through `bulkLogger`, which gathers
 * whole lines and hands them, 4 KiB at a time and at least every `BULK_FLUSH_MS`, to pino's asynchronous
 * destination (sonic-boom), and writes what is left synchronously at exit and when the server closes. A write per line cost the proxy about a
 * tenth of its throughput (BENCHMARKS.md). Only a SIGKILL or a power cut loses what is buffered (at most one
 * flush interval of access lines).
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
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastTime = `,"time":"${new Date(ms).toISOString()}"`;
  }
  return lastTime;
}

/** stdout destinations made here (shared by every child logger of a `createLogger` without a destination). */
const stdoutStreams = new WeakSet<object>();

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

/** Buffered access lines reach stdout at least this often (a quiet gateway's lines do not wait for 4 KiB). */
export const BULK_FLUSH_MS = 1_000;

export interface BulkLogger {
  logger: Logger;
  /** Writes what is buffered (the gateway calls it when it closes; process exit does it by itself). */
  flush(): void;
}

/**
 * Whole lines gathered in an array and handed to sonic-boom as one string per `BULK_BATCH_BYTES`: sonic-boom's
 * own buffer appends each line to one growing string and measures its byte length on every write (a flatten of up
 * to `maxWrite` bytes per line: 4.6 KB of garbage per request in the benchmark's allocation profile).
 */
class LineBatch {
  private lines: string[] = [];
  private size = 0;

  constructor(private readonly dest: ReturnType<typeof pino.destination>) {}

  write(line: string): boolean {
    this.lines.push(line);
    this.size += line.length;
    if (this.size >= BULK_BATCH_BYTES) this.pass();
    return true;
  }

  /** Hands what is gathered to sonic-boom, which writes it asynchronously. */
  pass(): void {
    if (this.lines.length === 0) return;
    const text = this.lines.join('');
    this.lines = [];
    this.size = 0;
    try {
      this.dest.write(text);
    } catch {
      /* sonic-boom already ended (the event loop emptied, or stdout closed): nothing left to write to */
    }
  }

  /** Everything gathered and everything sonic-boom holds, written now. */
  flushSync(): void {
    this.pass();
    try {
      this.dest.flushSync();
    } catch {
      /* stdout already closed: nothing left to write to */
    }
  }
}

const BULK_BATCH_BYTES = 4096;
let bulkStdout: LineBatch | undefined;

/**
 * A logger for high-volume lines with the level and bindings of `logger` and no redaction pass (its caller logs
 * only fields of its own: no header, no query string). When `logger` writes to stdout (`createLogger` without a
 * destination) its lines are buffered as described above; a logger with a destination of its own (tests) gets
 * them on that destination, unbuffered, so a reader sees each line at once.
 */
export function bulkLogger(logger: Logger): BulkLogger {
  const stream = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as object | undefined;
  if (stream === undefined || !stdoutStreams.has(stream)) return { logger: logger.child({}, { redact: [] }), flush() {} };
  if (bulkStdout === undefined) {
    const batch = new LineBatch(pino.destination({ dest: 1, sync: false }));
    setInterval(() => batch.pass(), BULK_FLUSH_MS).unref();
    process.once('exit', () => batch.flushSync());
    bulkStdout = batch;
  }
  const batch = bulkStdout;
  const bulk = pino({ level: logger.level, base: null, timestamp: isoTime }, batch).child(logger.bindings());
  return { logger: bulk, flush: () => batch.flushSync() };
}
