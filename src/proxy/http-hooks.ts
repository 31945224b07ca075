import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { createHandoffBinder } from '../auth/handoff-binding.js';
import type { GatewayDeps } from '../deps.js';
import { upgradeAnswered, upstreamAnswered, upstreamStarted } from '../http/index.js';
import { BODY_TOO_LARGE, bodyTooLarge, TIMEOUT_CODES, upstreamErrorKind } from './fault.js';
import { holdHeaderForFirstChunk } from './first-chunk.js';
import { dropResponseHopByHop, markPrivate, rewriteResponseOrigins, type OriginRewrite } from './headers.js';
import type { SendPage } from './pages.js';
import { kBodyBytes, kClickCookie, kProxyReq, kTooLarge, upstreamPath, type TaggedRequest, type TaggedResponse } from './tags.js';

export interface HttpHooks {
  onProxyReq: (proxyReq: ClientRequest, req: TaggedRequest, res: TaggedResponse) => void;
  onProxyRes: (proxyRes: IncomingMessage, req: TaggedRequest, res: ServerResponse) => void;
}

export interface HttpHookDeps {
  basePath: string;
  timeoutMs: number;
  onUpstreamTimeout: (this: ClientRequest) => void;
  identityHeader: string;
  /** Set when upstream URLs in answers are moved back to the public host (`upstreamPreserveHost` false). */
  rewrite: OriginRewrite | undefined;
  handoffBinder: ReturnType<typeof createHandoffBinder>;
  publicProto: () => string;
}

/** The client went away before the answer was complete: free the upstream socket now. */
function onResponseClose(this: TaggedResponse): void {
  if (this.writableFinished) return;
  const upstream = this[kProxyReq];
  if (upstream && !upstream.destroyed) upstream.destroy();
}

/** The hooks around one plain HTTP exchange with WordPress: the request going out and the answer coming back. */
export function createHttpHooks(deps: HttpHookDeps): HttpHooks {
  const { basePath, timeoutMs, onUpstreamTimeout, identityHeader, rewrite, handoffBinder, publicProto } = deps;

  /** WordPress sends a partner to the hand-off: tie that link to this browser (see src/auth/handoff-binding.ts). */
  function bindHandoff(headers: IncomingMessage['headers']): void {
    const line = handoffBinder.cookieForRedirect(headers.location!);
    if (line !== undefined) headers['set-cookie'] = [...(headers['set-cookie'] ?? []), line];
  }

  return {
    onProxyReq(proxyReq, req, res) {
      // http-proxy joins the path with url.parse and collapses `//`: send the request target exactly as received.
      const path = upstreamPath(basePath, req.url);
      if (proxyReq.path !== path && !proxyReq.headersSent) proxyReq.path = path;
      proxyReq.setTimeout(timeoutMs, onUpstreamTimeout);
      upstreamStarted(res);
      res[kProxyReq] = proxyReq;
      res.on('close', onResponseClose);
      if (req[kBodyBytes] !== undefined) {
        req[kProxyReq] = proxyReq;
        if (req[kTooLarge]) proxyReq.destroy(bodyTooLarge());
      }
    },
    onProxyRes(proxyRes, req, res) {
      upstreamAnswered(res);
      holdHeaderForFirstChunk(proxyRes, res);
      const headers = proxyRes.headers;
      dropResponseHopByHop(headers, (res as ServerResponse & { shouldKeepAlive: boolean }).shouldKeepAlive ? 'keep-alive' : 'close');
      const clickCookie = req[kClickCookie];
      if (clickCookie !== undefined) {
        headers['set-cookie'] = [...(headers['set-cookie'] ?? []), clickCookie];
        // One visitor's attribution cookie must not be stored by a shared cache and handed to the next visitor.
        markPrivate(headers);
      }
      const status = proxyRes.statusCode ?? 0;
      if (status >= 300 && status < 400 && headers.location !== undefined) bindHandoff(headers);
      // Hygiene removed any client copy: the header is present only when this gateway asserted an identity.
      if (req.headers[identityHeader] !== undefined) markPrivate(headers);
      if (rewrite !== undefined) rewriteResponseOrigins(headers, rewrite, publicProto(), req.headers['x-forwarded-host'] as string);
    },
  };
}

/** The proxy's error hook: a branded 502/504 (or 413) page, or a bare status line on a websocket. */
export function createErrorHook(
  deps: { metrics: GatewayDeps['metrics']; logger: Pick<Logger, 'warn'>; sendPage: SendPage },
): (err: Error & { code?: string }, req: IncomingMessage, res: ServerResponse | Duplex) => void {
  const { metrics, logger, sendPage } = deps;
  return function onProxyError(err, req, res) {
    const status = err.code === BODY_TOO_LARGE ? 413 : TIMEOUT_CODES.has(err.code ?? '') ? 504 : 502;
    // A client that went away had its upstream request ended by the gateway (onResponseClose): not WordPress's fault.
    if (status !== 413 && !req.socket.destroyed) {
      metrics.upstreamError(upstreamErrorKind(err.code));
      logger.warn({ code: err.code ?? err.message, status, method: req.method, path: (req.url ?? '').split('?')[0], reqId: req.headers['x-request-id'] }, 'proxy: WordPress did not answer');
    }
    if (!('writeHead' in res)) {
      const socket = res as Duplex & { bytesWritten?: number };
      if (!socket.destroyed && socket.writable && !socket.bytesWritten) {
        upgradeAnswered(socket, status);
        socket.end(`HTTP/1.1 ${status === 504 ? '504 Gateway Timeout' : '502 Bad Gateway'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      } else {
        socket.destroy();
      }
      return;
    }
    if (res.headersSent || res.destroyed || !res.writable) {
      res.destroy();
      return;
    }
    sendPage(res, status, status === 413);
  };
}
