/**
 * A log for one high-volume line per event (the access log's line per request), at info level, with the bindings
 * of the logger it came from, written to that logger's stdout in batches.
 *
 * Why not pino's own path: its generic line (serialisers, hooks, the redaction pass, `_asJson`) cost about as much
 * as the rest of a proxied request's bookkeeping, and a write system call per line about a tenth of the proxy's
 * throughput. So the caller hands a plain record and a function that writes its fields as JSON members; records
 * wait in a queue and are formatted together, up to `RECORDS_PER_FLUSH` at a time, at least every
 * `BULK_FLUSH_MS`, at exit and when the server closes; and the lines go out through one reused buffer in writes
 * sized for the descriptor (`LineBatch`).
 *
 * Why formatted later rather than as each event ends: code run once between requests runs with cold caches (the
 * request's own work runs in between). Timed inside a gateway under load, the line cost 4.5-4.9 us, against about
 * 1 us for the same code in a loop; formatted in batches, the access log's own code is 1.8% of the logging
 * gateway's CPU profile (bench/analysis.md). Each record's time is taken when it is queued.
 *
 * Only a SIGKILL or a power cut loses what is queued: at most one flush interval of lines.
 */
import { fstatSync } from 'node:fs';
import { pino } from 'pino';
import { destinationOf, isoTimeAt, stdoutDescriptor, type Logger } from './logger.js';

/** Queued lines reach stdout at least this often (a quiet gateway's lines do not wait for a full batch). */
export const BULK_FLUSH_MS = 1_000;

/** Records formatted and written together at most (about 32 KB of access lines). */
export const RECORDS_PER_FLUSH = 128;

export interface BulkLogger<R> {
  /**
   * Queues one info line: `{"level":30,"time":...,<bindings>,<fields(record)>,"msg":<msg>}`, with the time of
   * this call. The record must not change afterwards.
   */
  add(record: R): void;
  /** Writes what is queued (the gateway calls it when it closes; process exit writes what is queued by itself). */
  flush(): void;
}

/** The flush of every bulk log with queued lines, and only those: one timer and one exit listener for all. */
const queued = new Set<() => void>();
let flushTimer: NodeJS.Timeout | undefined;

function flushAllQueued(): void {
  for (const flush of queued) flush();
}

function whileQueued(flush: () => void): void {
  queued.add(flush);
  if (flushTimer === undefined) {
    flushTimer = setInterval(flushAllQueued, BULK_FLUSH_MS).unref();
    process.once('exit', flushAllQueued);
  }
}

/**
 * A `BulkLogger` whose lines carry the message `msg`, the level's number and the bindings of `logger`, and the
 * fields `fields(record)` writes: JSON members (`"a":1,"b":"x"`, no braces), ASCII only (see `jsonAscii`), since
 * a batch counts characters as bytes. When `logger` writes to stdout (`createLogger` without a destination) the
 * lines are queued as described above; a logger with a destination of its own (tests) gets each line on it at
 * once. The caller checks `logger.isLevelEnabled('info')` once: lines are written whatever the level.
 */
export function bulkLogger<R>(logger: Logger, msg: string, fields: (record: R) => string): BulkLogger<R> {
  const bindings = JSON.stringify(logger.bindings()).slice(1, -1);
  const head = `{"level":${logger.levels.values.info ?? 30}`;
  const middle = bindings === '' ? ',' : `,${bindings},`;
  const tail = asciiOnly(`,"msg":${JSON.stringify(msg)}}\n`);
  // Everything before the fields, made once per millisecond: one string joined per line, not three.
  let prefixTime = '';
  let prefix = '';
  const line = (ms: number, record: R) => {
    const time = isoTimeAt(ms);
    if (time !== prefixTime) {
      prefixTime = time;
      prefix = head + time + middle;
    }
    return prefix + fields(record) + tail;
  };
  const fd = stdoutDescriptor(logger);
  if (fd === undefined) {
    const stream = destinationOf(logger);
    return { add: (record) => void stream.write(line(Date.now(), record)), flush() {} };
  }
  const batch = stdoutBatch(fd);
  const records: R[] = [];
  const times = new Float64Array(RECORDS_PER_FLUSH);
  const writeQueued = () => {
    if (records.length === 0) return;
    for (let i = 0; i < records.length; i++) batch.write(line(times[i]!, records[i]!));
    records.length = 0;
    batch.flush();
    queued.delete(writeQueued); // back in with the next record
  };
  return {
    add(record) {
      if (records.length === 0) whileQueued(writeQueued);
      times[records.length] = Date.now();
      records.push(record);
      if (records.length === RECORDS_PER_FLUSH) writeQueued();
    },
    flush: writeQueued,
  };
}

let sharedStdoutBatch: LineBatch | undefined;

/**
 * The one batch every bulk log writing to stdout shares. Its writes go through a second pino destination on the
 * same descriptor, in sonic-boom's buffer mode: synchronous, a partial write continued and EAGAIN waited out, and
 * no copy of the chunk (its text mode copies every string it has written into a new Buffer). Ordinary lines
 * reach the descriptor through pino's own synchronous destination, which holds nothing back, so batches and
 * ordinary lines are each written whole.
 */
function stdoutBatch(fd: number): LineBatch {
  sharedStdoutBatch ??= new LineBatch(pino.destination({ dest: fd, sync: true, contentMode: 'buffer' }) as unknown as { write(chunk: Buffer): unknown }, batchLimitFor(fd));
  return sharedStdoutBatch;
}

/**
 * Whole lines copied into one reused buffer and written from it in one system call of at most `limit` bytes (a
 * longer line alone). With several workers (`PARTNERGATE_WORKERS`) every process writes to the same stdout. To a
 * pipe or socket (the journal), the kernel keeps a write of up to `PIPE_BUF` bytes whole, while a longer one may
 * be interleaved with another worker's and tear lines: the default limit. To a regular file, a write is whole at
 * any size (the file's lock is held for the whole write, and workers share one file position, updated under its
 * own lock), so a file gets `FILE_BATCH`: fewer system calls. Lines are ASCII, so a line's length in characters
 * is its length in bytes.
 *
 * Why a buffer of its own rather than strings handed to pino's destination: sonic-boom's text mode turns every
 * string it has written into a new Buffer (`releaseWritingBuf`), an allocation outside the heap per batch, and
 * the logging gateway's heap grew to nearly three times the size of one without the log (bench/analysis.md).
 */
export class LineBatch {
  private readonly buffer: Buffer;
  private used = 0;

  /** `dest` must be done with the chunk when it returns: the buffer is reused. */
  constructor(
    private readonly dest: { write(chunk: Buffer): unknown },
    readonly limit: number = PIPE_BUF,
  ) {
    this.buffer = Buffer.allocUnsafeSlow(limit);
  }

  write(line: string): void {
    if (this.used + line.length > this.limit) this.flush();
    if (line.length > this.limit) {
      this.send(Buffer.from(line, 'latin1'));
      return;
    }
    this.used += this.buffer.write(line, this.used, 'latin1');
  }

  /** Writes what is gathered now (the destination is synchronous). */
  flush(): void {
    if (this.used === 0) return;
    const chunk = this.buffer.subarray(0, this.used);
    this.used = 0;
    this.send(chunk);
  }

  private send(chunk: Buffer): void {
    try {
      this.dest.write(chunk);
    } catch {
      /* stdout already closed: nothing left to write to */
    }
  }
}

/** POSIX's atomic pipe write size on Linux. */
export const PIPE_BUF = 4096;

/** A batch's limit when stdout is a regular file. */
export const FILE_BATCH = 65_536;

/** The batch limit for a file descriptor: `FILE_BATCH` for a regular file, else `PIPE_BUF`. */
export function batchLimitFor(fd: number): number {
  try {
    return fstatSync(fd).isFile() ? FILE_BATCH : PIPE_BUF;
  } catch {
    return PIPE_BUF;
  }
}

/** What a JSON string literal must escape (quote, backslash, control characters), and everything beyond ASCII. */
const NOT_PLAIN = /["\\\u0000-\u001f\u007f-\uffff]/;

/**
 * `s` as a JSON string literal in ASCII: quoted as it is when it holds nothing to escape (the usual case: an id,
 * a method, a path), else through `JSON.stringify` and `asciiOnly`. `JSON.stringify` of a short string cost about
 * 170 ns, the check 30 ns (bench/analysis.md); the access log writes four per request.
 */
export function jsonAscii(s: string): string {
  return NOT_PLAIN.test(s) ? asciiOnly(JSON.stringify(s)) : `"${s}"`;
}

const NON_ASCII = /[\u0080-\uffff]/g;

/**
 * The JSON text with every non-ASCII character (each half of a surrogate pair alike) as a `\uXXXX` escape: the
 * same JSON value, one byte per character.
 */
export function asciiOnly(json: string): string {
  return json.replace(NON_ASCII, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
