/**
 * Per-request bookkeeping done once in `server.ts` for every request, own or proxied: the request id (the
 * client's `X-Request-Id` when well formed, else a new one; set on the request so the proxy passes it to
 * WordPress and the express context reuses it, and on the answer), the metrics observation, and the access log
 * line. Like the proxy's hooks, the listener is one function made here, never a closure per request: what it
 * needs rides on the response under symbols.
 *
 * The line (`msg: "request"`): reqId, method, path (never the query string: one-time tokens travel there),
 * status, bytes (written to the socket for this answer, headers included, like nginx's `$bytes_sent`), ms
 * (until the answer is complete or the client went away), upstreamMs (proxied only: until WordPress's
 * response headers arrived, like nginx's `$upstream_header_time`), ip (the client as the trusted proxies vouch
 * for it), class (own or proxied), and aborted when the client left before the answer was complete.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bulkLogger, type Logger } from '../common/index.js';
import type { Metrics, RouteClass } from './metrics.js';
import { clientAddress, type TrustFn } from './forwarded.js';
import { requestIdFor } from './request-context.js';

const kStart = Symbol('partnergate.start');
const kClass = Symbol('partnergate.routeClass');
const kReq = Symbol('partnergate.req');
const kBytesBefore = Symbol('partnergate.bytesBefore');
const kUpstreamStart = Symbol('partnergate.upstreamStart');
const kUpstreamMs = Symbol('partnergate.upstreamMs');
const kIp = Symbol('partnergate.clientIp');

interface Observed extends ServerResponse {
  [kStart]: bigint;
  [kClass]: RouteClass;
  [kReq]: IncomingMessage;
  [kBytesBefore]: number;
  [kUpstreamStart]?: bigint;
  [kUpstreamMs]?: number;
  [kIp]?: string;
}

/** The proxy calls this when it sends the request to WordPress... */
export function upstreamStarted(res: ServerResponse): void {
  (res as Observed)[kUpstreamStart] = process.hrtime.bigint();
}

/** ...and this when WordPress's response headers arrive. */
export function upstreamAnswered(res: ServerResponse): void {
  const r = res as Observed;
  const started = r[kUpstreamStart];
  if (started !== undefined) r[kUpstreamMs] = Number(process.hrtime.bigint() - started) / 1e6;
}

export interface RequestObserver {
  /** Gives the request its id and arranges the metrics observation and log line for when the answer ends. */
  begin(req: IncomingMessage, res: ServerResponse, routeClass: RouteClass): void;
  /** Writes access log lines still buffered (the server calls it once it has closed). */
  flush(): void;
}

export function createRequestObserver(opts: { logger: Logger; metrics: Metrics; accessLog: boolean; trust: TrustFn }): RequestObserver {
  const { metrics, trust } = opts;
  // Below info level the line would be dropped anyway: do not build it.
  const accessLog = opts.accessLog && opts.logger.isLevelEnabled('info');
  // Every field of the line is the gateway's own (no header, no query string), so it is written without pino's
  // per-object path (serialisers, the redaction pass); and to stdout the lines are buffered, not written one
  // syscall each (src/common/logger.ts).
  const log = bulkLogger(opts.logger);

  function onClose(this: Observed): void {
    const req = this[kReq];
    const finished = this.writableFinished;
    const seconds = Number(process.hrtime.bigint() - this[kStart]) / 1e9;
    if (finished) metrics.observe(this[kClass], this.statusCode, seconds);
    if (!accessLog) return;
    // express rewrites req.url while routing (mount paths) and keeps what arrived in originalUrl.
    const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
    const q = url.indexOf('?');
    // The line's fields written as JSON here (see BulkLogger): strings from the request go through
    // JSON.stringify, which escapes quotes, control characters and lone surrogates; the rest are numbers and the
    // observer's own words.
    const ip = this[kIp];
    let fields = `"reqId":${JSON.stringify(req.headers['x-request-id'])},"method":${JSON.stringify(req.method)},"path":${JSON.stringify(q < 0 ? url : url.slice(0, q))},"status":${this.statusCode},"bytes":${req.socket.bytesWritten - this[kBytesBefore]},"ms":${Math.round(seconds * 1e4) / 10}${ip === undefined ? '' : `,"ip":${JSON.stringify(ip)}`},"class":"${this[kClass]}"`;
    const upstreamMs = this[kUpstreamMs];
    if (upstreamMs !== undefined) fields += `,"upstreamMs":${Math.round(upstreamMs * 10) / 10}`;
    if (!finished) fields += ',"aborted":true';
    log.info(fields, 'request');
  }

  return {
    begin(req, res, routeClass) {
      const id = requestIdFor(req);
      req.headers['x-request-id'] = id;
      res.setHeader('X-Request-Id', id);
      const r = res as Observed;
      r[kStart] = process.hrtime.bigint();
      r[kClass] = routeClass;
      r[kReq] = req;
      r[kBytesBefore] = req.socket.bytesWritten;
      // Read as the request arrived: the proxy rewrites X-Forwarded-For for WordPress before the answer ends.
      if (accessLog) r[kIp] = clientAddress(req, trust);
      res.once('close', onClose);
    },
    flush: log.flush,
  };
}
