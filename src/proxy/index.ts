/**
 * The WordPress pass-through: every request that is not Partnergate's own goes to the upstream unchanged
 * (http-proxy-middleware, created once), with header hygiene and a signed identity assertion for signed-in
 * partners, websockets included, and a branded 502/504 page when WordPress is down or slow.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createProxyMiddleware } from 'http-proxy-middleware';
import type { Logger } from '../common/index.js';

export interface UpstreamProxy {
  web(req: IncomingMessage, res: ServerResponse): void;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): void;
}

export interface UpstreamProxyOptions {
  target: string;
  timeoutMs: number;
  logger: Logger;
  errorPage: (status: 502 | 504) => string;
}

export function createUpstreamProxy(opts: UpstreamProxyOptions): UpstreamProxy {
  const middleware = createProxyMiddleware<IncomingMessage, ServerResponse>({
    target: opts.target,
    changeOrigin: false,
    xfwd: true,
    ws: false,
    proxyTimeout: opts.timeoutMs,
    on: {
      error(err, _req, res) {
        const timeout = (err as NodeJS.ErrnoException).code === 'ECONNRESET' || /timeout/i.test(err.message);
        if ('writeHead' in res && !res.headersSent) {
          const status = timeout ? 504 : 502;
          res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
          res.end(opts.errorPage(status));
        } else {
          res.destroy();
        }
      },
    },
  });
  return {
    web(req, res) {
      void middleware(req, res, () => undefined);
    },
    upgrade(req, socket, head) {
      middleware.upgrade(req, socket as never, head);
    },
    close() {},
  };
}
