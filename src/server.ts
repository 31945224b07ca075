/**
 * The HTTP server: one node:http server that decides per request, on the normalised path, whether it is
 * Partnergate's own (express app) or WordPress's (the proxy, with no express on its path: that keeps the
 * pass-through fast). Upgrades (websockets) go to the proxy with the same rules.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Express } from 'express';
import type { GatewayDeps } from './deps.js';
import type { UpstreamProxy } from './proxy/index.js';
import { classifyRequest, compileTrust, createRequestObserver, upgradeAnswered } from './http/index.js';

export interface GatewayServer {
  server: Server;
  listen(): Promise<{ port: number }>;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`, 10 s unless given: the gateway gives 5 s), then closes every connection. */
  close(graceMs?: number): Promise<void>;
}

function plainError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'close' });
  res.end(`${message}\n`);
}

export function createGatewayServer(deps: GatewayDeps, app: Express, proxy: UpstreamProxy | undefined): GatewayServer {
  const { config, metrics, logger } = deps;
  const observer = createRequestObserver({ logger, metrics, accessLog: config.accessLog, trust: compileTrust(config.trustProxy) });
  const partnerHost = config.partnerCenterHost?.toLowerCase();

  const ownEverything = (req: IncomingMessage) => !proxy || (partnerHost !== undefined && (req.headers.host ?? '').toLowerCase() === partnerHost);

  // Slow clients: headers, the whole request and any silence each have a limit, so trickling bytes cannot hold a
  // connection (and, proxied, a PHP worker) open forever. Upgraded websockets are outside the idle timeout.
  const server = createServer({
    maxHeaderSize: config.maxHeaderBytes,
    requestTimeout: config.requestTimeoutMs,
    headersTimeout: Math.min(config.headersTimeoutMs, config.requestTimeoutMs),
  }, (req, res) => {
    const cls = classifyRequest(req.url ?? '/', { ownEverything: ownEverything(req) });
    observer.begin(req, res, cls.kind === 'proxy' ? 'proxied' : 'own');
    if (cls.kind === 'proxy') {
      proxy!.web(req, res);
    } else if (cls.kind === 'reject') {
      plainError(res, 400, `Bad request: ${cls.reason}.`);
    } else {
      req.url = cls.path + cls.search;
      app(req, res);
    }
  });
  // A client waiting for a slow WordPress or for an export slot is idle too: never cut it before those limits.
  server.timeout = Math.max(config.clientIdleTimeoutMs, config.upstreamTimeoutMs + 1_000, config.exportQueueSeconds * 1_000 + 1_000);
  server.on('upgrade', (req, socket, head) => {
    const cls = classifyRequest(req.url ?? '/', { ownEverything: ownEverything(req) });
    const proxied = cls.kind === 'proxy' && proxy !== undefined;
    observer.beginUpgrade(req, socket, proxied ? 'proxied' : 'own');
    if (proxied) return proxy.upgrade(req, socket, head);
    upgradeAnswered(socket, 404);
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n`);
  });

  return {
    server,
    listen() {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          resolve({ port: (server.address() as { port: number }).port });
        });
      });
    },
    close(graceMs = 10_000) {
      return new Promise((resolve) => {
        const force = setTimeout(() => {
          server.closeAllConnections();
          proxy?.close(); // websockets are not HTTP connections: closeAllConnections leaves them open
        }, graceMs);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          proxy?.close();
          observer.flush();
          resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}
