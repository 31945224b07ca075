/**
 * A throw-away upstream for the faults a real WordPress cannot be made to show on demand: answers that hang,
 * stall mid-body or stream on cue, gzip bodies, and a websocket echo. It counts its open sockets so tests can
 * prove the gateway frees them.
 *
 * Routes: /echo (JSON of what arrived, body hashed), /hang (never answers), /stall (headers and half a body,
 * then silence), /stream (first chunk now, the rest when `releaseStream()` is called), /gzip (a gzip body with
 * Content-Encoding), /redirect (302 to the upstream's own origin, with a Domain cookie), /big?bytes=N,
 * /cacheable (`Cache-Control: public, max-age=600, s-maxage=3600`, `Vary: Accept-Encoding`), /held (answers
 * when `releaseHeld()` is called; `held()` counts the waiting ones).
 * Websocket upgrades on any path: the first message is the JSON of the upgrade request's headers, then echo.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { WebSocketServer } from 'ws';

export interface EchoedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  rawHeaders: string[];
  bodyLength: number;
  bodySha256: string;
}

export interface FakeUpstream {
  url: string;
  port: number;
  server: Server;
  /** Sockets currently open to this upstream. */
  openSockets(): number;
  /** Upstream sockets of websocket connections still open. */
  openWebsockets(): number;
  /** Resolves when a request for this path has arrived. */
  arrived(path: string): Promise<IncomingMessage>;
  releaseStream(): void;
  /** Requests to /held waiting for {@link releaseHeld}. */
  held(): number;
  releaseHeld(): void;
  /** The most sockets that were open to this upstream at once. */
  maxOpenSockets(): number;
  gzipBody: Buffer;
  plainGzipText: string;
  close(): Promise<void>;
}

export async function startFakeUpstream(): Promise<FakeUpstream> {
  const sockets = new Set<Socket>();
  const waiters = new Map<string, Array<(req: IncomingMessage) => void>>();
  const streams: ServerResponse[] = [];
  const heldResponses: ServerResponse[] = [];
  let maxOpen = 0;
  const plainGzipText = 'compressed body '.repeat(200);
  const gzipBody = gzipSync(plainGzipText);

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    for (const w of waiters.get(path) ?? []) w(req);
    waiters.delete(path);
    if (path === '/hang') return; // never answers
    if (path === '/stall') {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '100' });
      res.write('x'.repeat(50));
      return;
    }
    if (path === '/stream') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('first\n');
      streams.push(res);
      return;
    }
    if (path === '/gzip') {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Encoding': 'gzip', 'Content-Length': gzipBody.length, Vary: 'Accept-Encoding' });
      res.end(gzipBody);
      return;
    }
    if (path === '/redirect') {
      const { port } = server.address() as { port: number };
      res.writeHead(302, {
        Location: `http://127.0.0.1:${port}/landing?x=1`,
        'Set-Cookie': ['a=1; Domain=127.0.0.1; Path=/; HttpOnly', 'b=2; Path=/', 'c=3; domain=.127.0.0.1; Path=/'],
        Link: `<http://127.0.0.1:${port}/wp-json/>; rel="https://api.w.org/"`,
      });
      res.end();
      return;
    }
    if (path === '/cacheable') {
      res.writeHead(200, { 'Content-Type': 'text/html', 'Cache-Control': 'public, max-age=600, s-maxage=3600', Vary: 'Accept-Encoding' });
      res.end('<p>page</p>');
      return;
    }
    if (path === '/held') {
      heldResponses.push(res);
      return;
    }
    if (path === '/big') {
      const bytes = Number(new URL(req.url!, 'http://x').searchParams.get('bytes') ?? '1000');
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': bytes });
      res.end(Buffer.alloc(bytes, 7));
      return;
    }
    const hash = createHash('sha256');
    let length = 0;
    req.on('data', (c: Buffer) => {
      hash.update(c);
      length += c.length;
    });
    req.on('end', () => {
      const echoed: EchoedRequest = { method: req.method!, url: req.url!, headers: req.headers, rawHeaders: req.rawHeaders, bodyLength: length, bodySha256: hash.digest('hex') };
      res.writeHead(200, { 'Content-Type': 'application/json', 'Set-Cookie': ['one=1; Path=/', 'two=2; Path=/; HttpOnly'] });
      res.end(JSON.stringify(echoed));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    maxOpen = Math.max(maxOpen, sockets.size);
    s.on('close', () => sockets.delete(s));
  });
  const wss = new WebSocketServer({ server });
  const wsSockets = new Set<Socket>();
  wss.on('connection', (ws, req) => {
    wsSockets.add(req.socket);
    req.socket.once('close', () => wsSockets.delete(req.socket));
    ws.send(JSON.stringify({ url: req.url, headers: req.headers, rawHeaders: req.rawHeaders }));
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    openSockets: () => sockets.size,
    openWebsockets: () => wsSockets.size,
    arrived: (path) => new Promise((r) => waiters.set(path, [...(waiters.get(path) ?? []), r])),
    releaseStream() {
      for (const res of streams.splice(0)) res.end('second\n');
    },
    held: () => heldResponses.length,
    releaseHeld() {
      for (const res of heldResponses.splice(0)) res.writeHead(200, { 'Content-Type': 'text/plain' }).end('released');
    },
    maxOpenSockets: () => maxOpen,
    gzipBody,
    plainGzipText,
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
