/**
 * Structured logging with pino. Redacts every header and field that can carry a secret, so that
 * passwords, tokens, cookies and keys never reach the log even when a whole request is logged.
 *
 * Everything reaches stdout through one synchronous pino destination (sonic-boom), so no line is held back by
 * the event loop and a crash loses none. The access log's one line per request goes through `bulkLogger`, which
 * gathers whole lines and writes them to that destination up to 4 KiB at a time (`LineBatch`), at least every
 * `BULK_FLUSH_MS`, at exit and when the server closes. A write per line cost the proxy about a tenth of its
 * throughput, and handing batches to sonic-boom's asynchronous mode still cost about 2 us of CPU per line (a
 * thread-pool round trip per write); a synchronous write per 4 KiB costs about 0.9 us (bench/analysis.md). Only
 * a SIGKILL or a power cut loses what is gathered (at most one flush interval of access lines).
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

/** Buffered access lines reach stdout at least this often (a quiet gateway's lines do not wait for a full batch). */
export const BULK_FLUSH_MS = 1_000;

/**
 * A log for one high-volume line per event, at info level, with the bindings of the logger it came from. The
 * caller hands the line's own fields already written as JSON members (`"a":1,"b":"x"`, no braces), so no object
 * is walked, serialised or redacted per line: the access log's fields are its own (no header, no query string),
 * and pino's generic path (serialisers, hooks, the redaction pass, `_asJson`) cost about as much as the rest of a
 * proxied request's bookkeeping.
 */
export interface BulkLogger {
  /**
   * Writes one info line: `{"level":30,"time":...,<bindings>,<fields>,"msg":<msg>}`. `fields` must be ASCII
   * (see `asciiOnly`): the batch counts characters as bytes.
   */
  info(fields: string): void;
  /** Writes what is buffered (the gateway calls it when it closes; process exit does it by itself). */
  flush(): void;
}

/**
 * Whole lines gathered in an array and written as one string of at most `PIPE_BUF` bytes (a longer line alone):
 * one write system call per batch instead of one per line. With several workers (`PARTNERGATE_WORKERS`) every
 * process writes to the same stdout, a pipe or socket to the journal; the kernel keeps a write of up to
 * `PIPE_BUF` bytes to a pipe whole, while a longer one may be interleaved with another worker's and tear lines.
 * Lines are ASCII (`BulkLogger.info`'s fields are, see `asciiOnly`), so a batch's length in characters is its
 * length in bytes.
 */
export class LineBatch {
  private lines: string[] = [];
  private size = 0;

  constructor(private readonly dest: { write(text: string): unknown }) {}

  write(line: string): void {
    if (this.size + line.length > PIPE_BUF) this.flush();
    this.lines.push(line);
    this.size += line.length;
  }

  /** Writes what is gathered now (the destination is synchronous). */
  flush(): void {
    if (this.lines.length === 0) return;
    const text = this.lines.join('');
    this.lines = [];
    this.size = 0;
    try {
      this.dest.write(text);
    } catch {
      /* stdout already closed: nothing left to write to */
    }
  }
}

/** POSIX's atomic pipe write size on Linux. */
export const PIPE_BUF = 4096;

const NON_ASCII = /[\u0080-\uffff]/g;

/**
 * The JSON text with every non-ASCII character (each half of a surrogate pair alike) as a `\uXXXX` escape: the
 * same JSON value, one byte per character.
 */
export function asciiOnly(json: string): string {
  return json.replace(NON_ASCII, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

let bulkStdout: LineBatch | undefined;

/**
 * A `BulkLogger` whose lines carry the message `msg`, the level's number and the bindings of `logger`. When `logger` writes to stdout
 * (`createLogger` without a destination) its lines are buffered as described above; a logger with a destination
 * of its own (tests) gets them on that destination, unbuffered, so a reader sees each line at once. The caller
 * checks `logger.isLevelEnabled('info')` once: lines are written whatever the level.
 */
export function bulkLogger(logger: Logger, msg: string): BulkLogger {
  const stream = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as { write(line: string): unknown };
  const bindings = JSON.stringify(logger.bindings()).slice(1, -1);
  const head = `{"level":${logger.levels.values.info ?? 30}`;
  const middle = bindings === '' ? ',' : `,${bindings},`;
  const tail = asciiOnly(`,"msg":${JSON.stringify(msg)}}\n`);
  const line = (fields: string) => head + isoTime() + middle + fields + tail;
  if (!stdoutStreams.has(stream)) return { info: (fields) => void stream.write(line(fields)), flush() {} };
  if (bulkStdout === undefined) {
    // The stdout destination `createLogger` made (synchronous): access lines and ordinary lines share it.
    const batch = new LineBatch(stream);
    setInterval(() => batch.flush(), BULK_FLUSH_MS).unref();
    process.once('exit', () => batch.flush());
    bulkStdout = batch;
  }
  const batch = bulkStdout;
  return { info: (fields) => batch.write(line(fields)), flush: () => batch.flush() };
}
