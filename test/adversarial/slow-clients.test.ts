/**
 * Slow clients (slowloris and friends): headers, the whole request and any silence each have a limit, so
 * trickling bytes cannot hold connections open forever; the gateway opens at most `upstreamMaxSockets` sockets to
 * WordPress however many requests wait, so a flood cannot take every PHP worker.
 */
import { connect } from 'node:net';
import { useTestGateway } from '../support/gateway.js';
import { forEachStore } from '../support/store.js';
import { startFakeUpstream, type FakeUpstream } from '../proxy/fake-upstream.js';
import { eventually, send } from '../proxy/http.js';
import { expectAllHeld } from './support.js';

const CLASS = 'slow clients';

forEachStore('slow clients', (ctx) => {
  let up: FakeUpstream;
  before(async () => {
    up = await startFakeUpstream();
  });
  // Started after the upstream (hooks run in registration order), so its URL is read when the hook runs.
  const gw = useTestGateway(() => ctx.store, () => ({
    PARTNERGATE_UPSTREAM_URL: up.url,
    PARTNERGATE_WP_SHIM_SECRET: 'slow-clients-secret-0123456789abcdef0123',
    PARTNERGATE_UPSTREAM_MAX_SOCKETS: '2',
    PARTNERGATE_CLIENT_IDLE_TIMEOUT_MS: '1000',
    PARTNERGATE_UPSTREAM_TIMEOUT_MS: '500',
    PARTNERGATE_EXPORT_QUEUE_SECONDS: '0',
  }));
  after(async () => {
    await up?.close();
  });

  it('the server has a header, a whole-request and an idle timeout (none left at "never")', () => {
    const server = gw.gateway.http.server;
    const defaults = gw.config;
    expectAllHeld(CLASS, [
      { name: 'headers timeout set', held: server.headersTimeout > 0 && server.headersTimeout <= defaults.headersTimeoutMs, why: String(server.headersTimeout) },
      { name: 'whole-request timeout set', held: server.requestTimeout > 0 && server.requestTimeout === defaults.requestTimeoutMs, why: String(server.requestTimeout) },
      { name: 'idle timeout set (never below the upstream wait: 500 ms + 1 s)', held: server.timeout === 1500, why: String(server.timeout) },
      { name: 'headers timeout not above the request timeout', held: server.headersTimeout <= server.requestTimeout },
    ]);
  });

  it('a body that stops half-way is cut off (the connection closes instead of waiting forever)', async () => {
    const socket = connect(gw.port, '127.0.0.1');
    const closed = new Promise<string>((resolve) => {
      let answer = '';
      socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
      socket.on('close', () => resolve(answer));
      socket.on('error', () => undefined);
    });
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write('POST /partner-center/sso-nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nname=only-a-little');
    const answer = await closed;
    expectAllHeld(CLASS, [{ name: 'stalled body: connection closed by the gateway', held: socket.destroyed, why: answer.slice(0, 80) }]);
  });

  it('at most upstreamMaxSockets sockets to WordPress, however many requests wait; all of them are answered', async () => {
    const replies = Array.from({ length: 6 }, () => send(`${gw.url}/held`, { timeoutMs: 10_000 }));
    // Answer whatever reached WordPress until every client has its reply.
    let done = false;
    const all = Promise.all(replies).finally(() => (done = true));
    while (!done) {
      await eventually('a held request or the end', () => up.held() > 0 || done, 8_000);
      up.releaseHeld();
    }
    const results = await all;
    expectAllHeld(CLASS, [
      { name: 'never more than 2 upstream sockets at once', held: up.maxOpenSockets() <= 2, why: `${up.maxOpenSockets()} at once` },
      { name: 'every queued request answered', held: results.every((r) => r.status === 200 && r.text === 'released'), why: results.map((r) => r.status).join(',') },
    ]);
  });
});
