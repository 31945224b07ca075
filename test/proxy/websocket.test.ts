/** Websockets through the gateway: the upgrade path gets the same header hygiene and identity as plain requests. */
import { expect } from 'chai';
import { jwtVerify } from 'jose';
import WebSocket from 'ws';
import { deriveKey } from '../../src/common/index.js';
import { signInAs, startTestGateway, type TestGateway } from '../support/gateway.js';
import { createTestStore, type TestStore } from '../support/store.js';
import { startFakeUpstream, type FakeUpstream } from './fake-upstream.js';
import { addPartner } from './fixtures.js';
import { eventually, rawExchange } from './http.js';

const SECRET = 'websocket-test-secret-0123456789abcdef-0123456789';

function open(url: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; first: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('message', (data) => resolve({ ws, first: JSON.parse(String(data)) as Record<string, unknown> }));
    ws.once('error', reject);
  });
}

function next(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) => ws.once('message', (data, isBinary) => resolve({ data: data as Buffer, isBinary })));
}

describe('proxy: websockets', function () {
  let up: FakeUpstream;
  let ts: TestStore;
  let gw: TestGateway;
  let wsBase: string;

  before(async () => {
    up = await startFakeUpstream();
    ts = await createTestStore('sqlite');
    gw = await startTestGateway(ts.store, { PARTNERGATE_UPSTREAM_URL: up.url, PARTNERGATE_WP_SHIM_SECRET: SECRET });
    wsBase = gw.url.replace(/^http/, 'ws');
  });
  after(async () => {
    await gw?.close();
    await up?.close();
    await ts?.dispose();
  });

  it('upgrades, keeps the path and query, echoes text and binary frames', async () => {
    const { ws, first } = await open(`${wsBase}/wp-json/live//feed?x=1&y=%2F`);
    expect(first.url).to.equal('/wp-json/live//feed?x=1&y=%2F');
    ws.send('hello');
    expect(String((await next(ws)).data)).to.equal('hello');
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    ws.send(bytes);
    const echoed = await next(ws);
    expect(echoed.isBinary).to.equal(true);
    expect(Buffer.compare(echoed.data, bytes)).to.equal(0);
    ws.close();
  });

  it('strips spoofed identity headers on the upgrade and adds its own forwarding headers and assertion', async () => {
    const partner = await addPartner(ts.store);
    const signed = await signInAs(gw, partner.partnerId, { email: partner.email });
    const { ws, first } = await open(`${wsBase}/socket`, {
      Cookie: `wp_keep=1; ${signed.cookie}`,
      'X-Forwarded-User': 'spoof',
      X_Forwarded_Email: 'spoof',
      'X.Auth.Request.User': 'spoof',
      'X-Partnergate-Identity': 'spoof',
      'X-Forwarded-For': '6.6.6.6',
      Host: 'www.example.test',
    });
    const headers = first.headers as Record<string, string>;
    expect(JSON.stringify(first)).not.to.contain('spoof');
    expect(headers['x-forwarded-for']).to.match(/127\.0\.0\.1$/);
    expect(headers['x-forwarded-host']).to.equal('www.example.test');
    expect(headers.cookie).to.equal('wp_keep=1');
    expect(headers.connection).to.equal('Upgrade');
    expect(headers.upgrade).to.equal('websocket');
    const { payload } = await jwtVerify(headers['x-partnergate-identity']!, deriveKey(SECRET, 'identity-assertion'), { audience: up.url });
    expect(payload).to.include({ sub: String(signed.accountId), partner_id: partner.partnerId });
    ws.close();
  });

  it('closes the upstream websocket when the client drops, and the client when the upstream drops', async () => {
    await eventually('no websockets open from earlier tests', () => up.openWebsockets() === 0);
    const a = await open(`${wsBase}/one`);
    expect(up.openWebsockets()).to.equal(1);
    (a.ws as unknown as { _socket: import('node:net').Socket })._socket.resetAndDestroy(); // vanishes: RST, no close frame
    await eventually('the upstream side is closed', () => up.openWebsockets() === 0);

    const b = await open(`${wsBase}/two`);
    const closed = new Promise<void>((r) => b.ws.once('close', () => r()));
    await up.close(); // the upstream goes away
    await closed;
    up = await startFakeUpstream();
    await gw.close();
    gw = await startTestGateway(ts.store, { PARTNERGATE_UPSTREAM_URL: up.url, PARTNERGATE_WP_SHIM_SECRET: SECRET });
    wsBase = gw.url.replace(/^http/, 'ws');
  });

  it('ends open websockets at both ends when the gateway shuts down past its grace period', async () => {
    await eventually('no websockets open from earlier tests', () => up.openWebsockets() === 0);
    const { ws } = await open(`${wsBase}/long-lived`);
    const closed = new Promise<void>((r) => ws.once('close', () => r()));
    await gw.gateway.http.close(50);
    await closed;
    await eventually('the upstream side is closed', () => up.openWebsockets() === 0);
    gw = await startTestGateway(ts.store, { PARTNERGATE_UPSTREAM_URL: up.url, PARTNERGATE_WP_SHIM_SECRET: SECRET });
    wsBase = gw.url.replace(/^http/, 'ws');
  });

  it('answers 502 to an upgrade when the upstream is down, and 400 to a malformed target', async () => {
    const dead = await startFakeUpstream();
    await dead.close();
    const down = await startTestGateway(ts.store, { PARTNERGATE_UPSTREAM_URL: dead.url });
    try {
      const status = await new Promise<number>((resolve) => {
        const ws = new WebSocket(`${down.url.replace(/^http/, 'ws')}/socket`);
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.once('error', () => resolve(-1));
      });
      expect(status).to.equal(502);
    } finally {
      await down.close();
    }
    const answer = await rawExchange(gw.port, 'GET http://evil.example/socket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
    expect(answer).to.match(/^HTTP\/1\.1 400 /);
  });

  it('does not proxy upgrades to its own paths', async () => {
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${wsBase}/partner-center/socket`);
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => resolve(101));
      ws.once('error', () => resolve(-1));
    });
    expect(status).to.equal(404);
  });
});
