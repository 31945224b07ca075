/**
 * Observability of the request path: one access log line per request (own and proxied) with what an operator
 * needs and no query string; the request id reaching WordPress; X-Forwarded-For extended only from a trusted
 * peer; WordPress's failures counted in partnergate_upstream_errors_total.
 */
import { expect } from 'chai';
import { connect, createServer } from 'node:net';
import { Writable } from 'node:stream';
import WebSocket from 'ws';
import { createLogger } from '../../src/common/index.js';
import { startTestGateway, useTestGateway, type TestGateway } from '../support/gateway.js';
import { createTestStore, type TestStore } from '../support/store.js';
import { startFakeUpstream, type EchoedRequest, type FakeUpstream } from '../proxy/fake-upstream.js';
import { eventually, send } from '../proxy/http.js';

interface LogLine {
  msg: string;
  reqId?: string;
  method?: string;
  path?: string;
  status?: number;
  bytes?: number;
  ms?: number;
  upstreamMs?: number;
  ip?: string;
  class?: string;
  aborted?: boolean;
  websocket?: boolean;
  [k: string]: unknown;
}

/** A logger at info level whose lines the test reads back. */
function capturedLogger() {
  const lines: LogLine[] = [];
  const raw: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      raw.push(chunk.toString('latin1'));
      for (const text of chunk.toString('utf8').split('\n')) if (text.trim()) lines.push(JSON.parse(text) as LogLine);
      cb();
    },
  });
  return { logger: createLogger('info', sink), lines, raw, requests: () => lines.filter((l) => l.msg === 'request') };
}

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

async function metricValue(tg: TestGateway, series: string): Promise<number> {
  const r = await send(`${tg.url}/metrics`);
  expect(r.status).to.equal(200);
  const line = r.text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('http: access log, request id, X-Forwarded-For, upstream errors', function () {
  let up: FakeUpstream;
  let ts: TestStore;

  before(async () => {
    up = await startFakeUpstream();
    ts = await createTestStore('sqlite');
  });
  after(async () => {
    await up?.close();
    await ts?.dispose();
  });

  describe('through a trusted loopback peer (the default PARTNERGATE_TRUST_PROXY)', () => {
    const log = capturedLogger();
    const gw = useTestGateway(() => ts.store, () => ({ PARTNERGATE_UPSTREAM_URL: up.url }), { logger: log.logger });

    it('logs one line per proxied request: id, method, path without the query, status, bytes, duration, upstream time, client', async () => {
      const r = await send(`${gw.url}/echo/page?token=secret-one-time-token&x=1`, { headers: [['X-Forwarded-For', '203.0.113.7']] });
      expect(r.status).to.equal(200);
      const id = r.headers['x-request-id'] as string;
      expect(id).to.match(/^[0-9a-f-]{36}$/);
      await eventually('the access log line', () => log.requests().some((l) => l.reqId === id));
      const line = log.requests().find((l) => l.reqId === id)!;
      expect(line).to.include({ method: 'GET', path: '/echo/page', status: 200, ip: '203.0.113.7', class: 'proxied' });
      expect(line.bytes).to.be.greaterThan(r.body.length);
      expect(line.ms).to.be.a('number').and.at.least(0);
      expect(line.upstreamMs).to.be.a('number').and.at.least(0).and.at.most(line.ms!);
      expect(line).not.to.have.property('aborted');
      expect(JSON.stringify(log.lines)).not.to.contain('secret-one-time-token');
    });

    it('logs own routes too (no upstream time), with the express context using the same request id', async () => {
      const r = await send(`${gw.url}/sso/set-password?token=another-secret-token`);
      const id = r.headers['x-request-id'] as string;
      await eventually('the access log line', () => log.requests().some((l) => l.reqId === id));
      const line = log.requests().find((l) => l.reqId === id)!;
      expect(line).to.include({ method: 'GET', path: '/sso/set-password', status: r.status, class: 'own', ip: '127.0.0.1' });
      expect(line).not.to.have.property('upstreamMs');
      expect(JSON.stringify(log.lines)).not.to.contain('another-secret-token');
    });

    it('writes a path with quotes and backslashes as one valid JSON line that reads back as sent', async () => {
      // The line is written as JSON text by the observer, not by pino: what a client puts in the path must not
      // break out of its string (a forged field) or the line (a forged entry).
      const path = '/echo/a"b\\c/%C3%BC/x","status":999,"class":"own';
      const id = 'path-escape-check-1';
      const reply = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(new URL(gw.url).port), '127.0.0.1', () => {
          socket.write(`GET ${path}?q=1 HTTP/1.1\r\nHost: x\r\nX-Request-Id: ${id}\r\nConnection: close\r\n\r\n`);
        });
        let text = '';
        socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      expect(reply).to.match(/^HTTP\/1\.1 200 /);
      await eventually('the access log line', () => log.requests().some((l) => l.reqId === id));
      const lines = log.requests().filter((l) => l.reqId === id);
      expect(lines).to.have.length(1);
      expect(lines[0]).to.include({ path, status: 200, class: 'proxied' });
    });

    it('logs a websocket once its connection closes: 101, the whole connection\'s bytes, the id WordPress received', async () => {
      const ws = new WebSocket(`${gw.url.replace(/^http/, 'ws')}/live/feed?token=ws-secret-token`, { headers: { 'X-Request-Id': 'websocket-line-1' } });
      const first = await new Promise<{ headers: Record<string, string> }>((resolve, reject) => {
        ws.once('message', (data) => resolve(JSON.parse(String(data)) as { headers: Record<string, string> }));
        ws.once('error', reject);
      });
      expect(first.headers['x-request-id']).to.equal('websocket-line-1');
      ws.send('x'.repeat(5000));
      await new Promise<void>((resolve) => ws.once('message', () => resolve()));
      // No line while the connection is open: it is written when the connection ends.
      expect(log.requests().some((l) => l.reqId === 'websocket-line-1')).to.equal(false);
      ws.close();
      await eventually('the websocket line', () => log.requests().some((l) => l.reqId === 'websocket-line-1'));
      const lines = log.requests().filter((l) => l.reqId === 'websocket-line-1');
      expect(lines).to.have.length(1);
      expect(lines[0]).to.include({ method: 'GET', path: '/live/feed', status: 101, class: 'proxied', websocket: true, ip: '127.0.0.1' });
      expect(lines[0]).not.to.have.property('aborted');
      // The 101 answer, WordPress's first message and the 5000-byte echo all went to the client.
      expect(lines[0]!.bytes).to.be.greaterThan(5000);
      expect(lines[0]!.upstreamMs).to.be.a('number');
      expect(JSON.stringify(log.lines)).not.to.contain('ws-secret-token');
    });

    it('logs an upgrade refused on the gateway\'s own path with the status it was given', async () => {
      const status = await new Promise<number>((resolve) => {
        const ws = new WebSocket(`${gw.url.replace(/^http/, 'ws')}/partner-center/socket`, { headers: { 'X-Request-Id': 'websocket-refused-1' } });
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.once('error', () => resolve(-1));
      });
      expect(status).to.equal(404);
      await eventually('the refused upgrade line', () => log.requests().some((l) => l.reqId === 'websocket-refused-1'));
      expect(log.requests().find((l) => l.reqId === 'websocket-refused-1')).to.include({ status: 404, class: 'own', websocket: true, path: '/partner-center/socket' });
    });

    it('logs a client that left before any answer as 499, aborted', async () => {
      const arrived = up.arrived('/hang');
      const socket = connect(Number(new URL(gw.url).port), '127.0.0.1', () => {
        socket.write('GET /hang HTTP/1.1\r\nHost: x\r\nX-Request-Id: left-early-1\r\n\r\n');
      });
      expect((await arrived).headers['x-request-id']).to.equal('left-early-1');
      socket.destroy();
      await eventually('the aborted line', () => log.requests().some((l) => l.reqId === 'left-early-1'));
      expect(log.requests().find((l) => l.reqId === 'left-early-1')).to.include({ path: '/hang', status: 499, aborted: true, class: 'proxied' });
    });

    it('writes a client address that is not ASCII (a forged X-Forwarded-For entry) as \\u escapes: the line stays ASCII', async () => {
      const r = await send(`${gw.url}/echo`, { headers: [['X-Forwarded-For', 'bogus\u00e9'], ['X-Request-Id', 'non-ascii-ip-1']] });
      expect(r.status).to.equal(200);
      await eventually('the access log line', () => log.requests().some((l) => l.reqId === 'non-ascii-ip-1'));
      expect(log.requests().find((l) => l.reqId === 'non-ascii-ip-1')).to.include({ ip: 'bogus\u00e9' });
      const line = log.raw.join('').split('\n').find((l) => l.includes('non-ascii-ip-1'))!;
      expect(line).to.contain('"ip":"bogus\\u00e9"');
      expect(/[\u0080-\u00ff]/.test(line), 'a byte above 0x7f in the line').to.equal(false);
    });

    it('passes the request id to WordPress: a well-formed incoming one is kept, a malformed one replaced', async () => {
      const fresh = await send(`${gw.url}/echo`);
      expect(fresh.json<EchoedRequest>().headers['x-request-id']).to.equal(fresh.headers['x-request-id']);
      const kept = await send(`${gw.url}/echo`, { headers: [['X-Request-Id', 'nginx-5f2b9c0d1e']] });
      expect(kept.headers['x-request-id']).to.equal('nginx-5f2b9c0d1e');
      expect(kept.json<EchoedRequest>().headers['x-request-id']).to.equal('nginx-5f2b9c0d1e');
      const bad = await send(`${gw.url}/echo`, { headers: [['X-Request-Id', 'bad id\twith spaces']] });
      expect(bad.headers['x-request-id']).to.match(/^[0-9a-f-]{36}$/);
      expect(bad.json<EchoedRequest>().headers['x-request-id']).to.equal(bad.headers['x-request-id']);
    });

    it('extends X-Forwarded-For from a trusted peer: the client it vouches for, then the peer; client-written entries dropped', async () => {
      const one = await send(`${gw.url}/echo`, { headers: [['X-Forwarded-For', '203.0.113.7']] });
      expect(one.json<EchoedRequest>().headers['x-forwarded-for']).to.equal('203.0.113.7, 127.0.0.1');
      // 6.6.6.6 was written by the client; 203.0.113.7 is what the trusted proxy saw.
      const spoofed = await send(`${gw.url}/echo`, { headers: [['X-Forwarded-For', '6.6.6.6, 203.0.113.7']] });
      expect(spoofed.json<EchoedRequest>().headers['x-forwarded-for']).to.equal('203.0.113.7, 127.0.0.1');
      // Trusted hops in between (loopback here) stay in the chain.
      const hops = await send(`${gw.url}/echo`, { headers: [['X-Forwarded-For', '6.6.6.6, 203.0.113.7, 127.0.0.9']] });
      expect(hops.json<EchoedRequest>().headers['x-forwarded-for']).to.equal('203.0.113.7, 127.0.0.9, 127.0.0.1');
      const none = await send(`${gw.url}/echo`);
      expect(none.json<EchoedRequest>().headers['x-forwarded-for']).to.equal('127.0.0.1');
    });
  });

  describe('from a peer that is not trusted', () => {
    const log = capturedLogger();
    const gw = useTestGateway(() => ts.store, () => ({ PARTNERGATE_UPSTREAM_URL: up.url, PARTNERGATE_TRUST_PROXY: '10.1.2.3' }), { logger: log.logger });

    it('replaces X-Forwarded-For with the peer and logs the peer as the client', async () => {
      const r = await send(`${gw.url}/echo`, { headers: [['X-Forwarded-For', '203.0.113.7']] });
      expect(r.json<EchoedRequest>().headers['x-forwarded-for']).to.equal('127.0.0.1');
      const id = r.headers['x-request-id'] as string;
      await eventually('the access log line', () => log.requests().some((l) => l.reqId === id));
      expect(log.requests().find((l) => l.reqId === id)!.ip).to.equal('127.0.0.1');
    });
  });

  describe('access log off', () => {
    it('writes no request lines with PARTNERGATE_ACCESS_LOG=false, and still counts the request', async () => {
      const log = capturedLogger();
      const gw = await startTestGateway(ts.store, { PARTNERGATE_UPSTREAM_URL: up.url, PARTNERGATE_ACCESS_LOG: 'false' }, { logger: log.logger });
      try {
        const r = await send(`${gw.url}/echo`);
        expect(r.status).to.equal(200);
        expect(r.headers['x-request-id']).to.be.a('string');
        await eventually('the request counted', async () => (await metricValue(gw, 'partnergate_http_requests_total{class="proxied",status="2xx"}')) === 1);
        expect(log.requests()).to.deep.equal([]);
      } finally {
        await gw.close();
      }
    });
  });

  describe('partnergate_upstream_errors_total', () => {
    it('counts a refused connection when WordPress is unreachable (502), by kind', async () => {
      const gw = await startTestGateway(ts.store, { PARTNERGATE_UPSTREAM_URL: `http://127.0.0.1:${await closedPort()}` });
      try {
        expect(await metricValue(gw, 'partnergate_upstream_errors_total{kind="refused"}')).to.equal(0);
        for (let i = 0; i < 3; i++) expect((await send(`${gw.url}/some/page`)).status).to.equal(502);
        expect(await metricValue(gw, 'partnergate_upstream_errors_total{kind="refused"}')).to.equal(3);
        expect(await metricValue(gw, 'partnergate_upstream_errors_total{kind="timeout"}')).to.equal(0);
      } finally {
        await gw.close();
      }
    });

    it('counts a WordPress that does not answer in time (504) as a timeout', async () => {
      const gw = await startTestGateway(ts.store, { PARTNERGATE_UPSTREAM_URL: up.url, PARTNERGATE_UPSTREAM_TIMEOUT_MS: '300' });
      try {
        expect((await send(`${gw.url}/hang`)).status).to.equal(504);
        expect(await metricValue(gw, 'partnergate_upstream_errors_total{kind="timeout"}')).to.equal(1);
        expect(await metricValue(gw, 'partnergate_upstream_errors_total{kind="refused"}')).to.equal(0);
      } finally {
        await gw.close();
      }
    });
  });
});
