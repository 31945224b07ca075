import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createTestStore, type TestStore } from '../support/store.js';
import { startFakeUpstream, type EchoedRequest, type FakeUpstream } from './fake-upstream.js';
import { eventually, rawExchange, send } from './http.js';

const MAX_UPLOAD = 64 * 1024;

describe('proxy: pass-through to an upstream', function () {
  let up: FakeUpstream;
  let ts: TestStore;
  let gw: TestGateway;

  before(async () => {
    up = await startFakeUpstream();
    ts = await createTestStore('sqlite');
    // The test client stands for a browser connecting directly: no peer is a trusted proxy (test/http covers one that is).
    gw = await startTestGateway(ts.store, { PARTNERGATE_UPSTREAM_URL: up.url, PARTNERGATE_MAX_UPLOAD_BYTES: String(MAX_UPLOAD), PARTNERGATE_MAX_HEADER_BYTES: '8192', PARTNERGATE_TRUST_PROXY: 'false' });
  });
  after(async () => {
    await gw?.close();
    await up?.close();
    await ts?.dispose();
  });

  it('sends the method, the request target (double slashes, dot segments, query) and the body byte for byte', async () => {
    const body = randomBytes(40_000);
    const target = '/wp-content//uploads/./x/../a%20b.php?a[b]=1&a[c][]=2&q=%2F%2F&empty=&x=http:/y';
    const r = await send(`${gw.url}${target}`.replace('/wp-content', '/echo/wp-content'), { method: 'PUT', body, headers: [['Content-Type', 'application/octet-stream']] });
    const seen = r.json<EchoedRequest>();
    expect(seen.method).to.equal('PUT');
    expect(seen.url).to.equal(`/echo${target}`);
    expect(seen.bodyLength).to.equal(body.length);
    expect(seen.bodySha256).to.equal(createHash('sha256').update(body).digest('hex'));
  });

  it('passes a chunked upload under the limit unchanged and answers 413 once a chunked upload passes it', async () => {
    const small = randomBytes(MAX_UPLOAD - 10);
    const ok = await send(`${gw.url}/echo`, { method: 'POST', body: small, headers: [['Transfer-Encoding', 'chunked']] });
    expect(ok.json<EchoedRequest>().bodySha256).to.equal(createHash('sha256').update(small).digest('hex'));
    const tooBig = await new Promise<number>((resolve, reject) => {
      const req = request(`${gw.url}/echo`, { method: 'POST', headers: { 'Transfer-Encoding': 'chunked' }, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      for (let i = 0; i < 20; i++) req.write(randomBytes(8 * 1024));
      req.end();
    });
    expect(tooBig).to.equal(413);
  });

  it('answers 413 by Content-Length before the upstream sees anything', async () => {
    let reached = false;
    void up.arrived('/never-reached').then(() => (reached = true));
    const answer = await rawExchange(gw.port, `POST /never-reached HTTP/1.1\r\nHost: x\r\nContent-Length: ${MAX_UPLOAD + 1}\r\n\r\n`);
    expect(answer).to.match(/^HTTP\/1\.1 413 /);
    expect(answer.toLowerCase()).to.contain('connection: close');
    expect(reached).to.equal(false);
  });

  it('handles Expect: 100-continue itself and forwards the body without the Expect header', async () => {
    const body = randomBytes(5000);
    const seen = await new Promise<EchoedRequest>((resolve, reject) => {
      const req = request(`${gw.url}/echo`, { method: 'POST', headers: { Expect: '100-continue', 'Content-Length': body.length }, agent: false }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve(JSON.parse(text) as EchoedRequest));
      });
      req.on('continue', () => req.end(body));
      req.on('error', reject);
    });
    expect(seen.headers).not.to.have.property('expect');
    expect(seen.bodySha256).to.equal(createHash('sha256').update(body).digest('hex'));
  });

  it('answers 431 to an oversized header block', async () => {
    const answer = await rawExchange(gw.port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(10_000)}\r\n\r\n`);
    expect(answer).to.match(/^HTTP\/1\.1 431 /);
  });

  const malformed: Array<[string, string]> = [
    ['absolute-form target', 'GET http://evil.example/wp-admin/ HTTP/1.1'],
    ['asterisk target on GET', 'GET * HTTP/1.1'],
    ['OPTIONS *', 'OPTIONS * HTTP/1.1'],
    ['target without a leading slash', 'GET wp-login.php HTTP/1.1'],
  ];
  for (const [name, line] of malformed) {
    it(`answers 400 to a malformed request target: ${name}`, async () => {
      const answer = await rawExchange(gw.port, `${line}\r\nHost: x\r\n\r\n`);
      expect(answer).to.match(/^HTTP\/1\.1 400 /);
    });
  }

  it('streams: the first chunk reaches the client before the upstream has finished', async () => {
    const text = await new Promise<string>((resolve, reject) => {
      request(`${gw.url}/stream`, { agent: false }, (res) => {
        let got = '';
        res.on('data', (d: Buffer) => {
          got += d.toString();
          if (got === 'first\n') up.releaseStream(); // only now does the upstream send the rest
        });
        res.on('end', () => resolve(got));
      })
        .on('error', reject)
        .end();
    });
    expect(text).to.equal('first\nsecond\n');
  });

  it('passes a compressed answer through compressed, byte for byte', async () => {
    const r = await send(`${gw.url}/gzip`, { headers: [['Accept-Encoding', 'gzip']] });
    expect(r.headers['content-encoding']).to.equal('gzip');
    expect(r.body.equals(up.gzipBody)).to.equal(true);
  });

  it('passes a large answer whole', async () => {
    const r = await send(`${gw.url}/big?bytes=3000000`);
    expect(r.body.length).to.equal(3_000_000);
  });

  it('keeps Set-Cookie lines and Location as the upstream sent them when the Host is preserved', async () => {
    const r = await send(`${gw.url}/redirect`);
    expect(r.status).to.equal(302);
    expect(r.headers.location).to.equal(`${up.url}/landing?x=1`);
    expect(r.setCookies).to.deep.equal(['a=1; Domain=127.0.0.1; Path=/; HttpOnly', 'b=2; Path=/', 'c=3; domain=.127.0.0.1; Path=/']);
  });

  it('forwards the client Host when preserving it, and drops hop-by-hop headers of the answer', async () => {
    const r = await send(`${gw.url}/echo`, { headers: [['Host', 'www.example.test']] });
    expect(r.json<EchoedRequest>().headers.host).to.equal('www.example.test');
    expect(r.headers['keep-alive']).to.equal(undefined);
  });

  it('sets X-Forwarded-For/Proto/Host itself, replacing every copy a client (not a trusted proxy) sent', async () => {
    const r = await send(`${gw.url}/echo`, {
      headers: [
        ['Host', 'www.example.test'],
        ['X-Forwarded-For', '6.6.6.6'],
        ['X_Forwarded_For', '6.6.6.7'],
        ['X-Forwarded-Proto', 'https'],
        ['X-Forwarded-Host', 'evil.example'],
        ['X-Forwarded-Port', '443'],
        ['X-Forwarded-Ssl', 'on'],
        ['Forwarded', 'for=6.6.6.6;proto=https'],
        ['X-Real-IP', '6.6.6.6'],
        ['X-Original-URL', '/wp-admin/'],
      ],
    });
    const h = r.json<EchoedRequest>().headers;
    expect(h['x-forwarded-for']).to.equal('127.0.0.1');
    expect(h['x-forwarded-proto']).to.equal('http');
    expect(h['x-forwarded-host']).to.equal('www.example.test');
    for (const gone of ['x_forwarded_for', 'x-forwarded-port', 'x-forwarded-ssl', 'forwarded', 'x-real-ip', 'x-original-url']) expect(h, gone).not.to.have.property(gone);
  });

  it('cannot be made to drop its own headers by naming them in Connection', async () => {
    const r = await send(`${gw.url}/echo`, {
      headers: [
        ['Connection', 'keep-alive, X-Forwarded-For, X-Forwarded-Proto, X-Forwarded-Host, X-Partnergate-Identity, Content-Length, Host'],
        ['Host', 'www.example.test'],
        ['Content-Type', 'text/plain'],
      ],
      method: 'POST',
      body: 'hello',
    });
    const seen = r.json<EchoedRequest>();
    expect(seen.headers['x-forwarded-for']).to.match(/127\.0\.0\.1$/);
    expect(seen.headers['x-forwarded-proto']).to.equal('http');
    expect(seen.headers['x-forwarded-host']).to.equal('www.example.test');
    expect(seen.bodyLength).to.equal(5);
    expect(String(seen.headers.connection ?? '')).not.to.match(/forwarded|partnergate|content-length|host/i);
  });

  it('removes headers the client listed in Connection (hop-by-hop), but not framing ones', async () => {
    const r = await send(`${gw.url}/echo`, { headers: [['Connection', 'X-Hop'], ['X-Hop', 'secret'], ['X-Kept', 'yes'], ['Keep-Alive', 'timeout=5'], ['TE', 'trailers'], ['Proxy-Authorization', 'Basic eDp5']] });
    const h = r.json<EchoedRequest>().headers;
    expect(h).not.to.have.property('x-hop');
    expect(h).not.to.have.property('keep-alive');
    expect(h).not.to.have.property('te');
    expect(h).not.to.have.property('proxy-authorization');
    expect(h['x-kept']).to.equal('yes');
  });

  it('frees the upstream socket when the client goes away while waiting', async () => {
    const arrived = up.arrived('/hang');
    const req = request(`${gw.url}/hang`, { agent: false });
    req.on('error', () => undefined);
    req.end();
    const upstreamSide = await arrived;
    expect(upstreamSide.socket.destroyed).to.equal(false);
    req.destroy();
    await eventually('the upstream socket is closed', () => upstreamSide.socket.destroyed);
  });

  it('frees the upstream socket when the client goes away in the middle of a streamed answer', async () => {
    const arrived = up.arrived('/stream');
    await new Promise<void>((resolve, reject) => {
      const req = request(`${gw.url}/stream`, { agent: false }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
      req.end();
    });
    const upstreamSide = await arrived;
    await eventually('the upstream socket is closed', () => upstreamSide.socket.destroyed);
  });
});

describe('proxy: the upstream down or slow', function () {
  let up: FakeUpstream;
  let ts: TestStore;
  let slow: TestGateway;
  let down: TestGateway;

  before(async () => {
    up = await startFakeUpstream();
    ts = await createTestStore('sqlite');
    slow = await startTestGateway(ts.store, { PARTNERGATE_UPSTREAM_URL: up.url, PARTNERGATE_UPSTREAM_TIMEOUT_MS: '300' });
    const closed = await startFakeUpstream();
    await closed.close(); // a port nobody listens on any more
    down = await startTestGateway(ts.store, { PARTNERGATE_UPSTREAM_URL: closed.url });
  });
  after(async () => {
    await slow?.close();
    await down?.close();
    await up?.close();
    await ts?.dispose();
  });

  it('answers a branded 502 page when nothing listens upstream', async () => {
    const r = await send(`${down.url}/some/page?x=1`);
    expect(r.status).to.equal(502);
    expect(r.headers['content-type']).to.match(/^text\/html/);
    expect(r.headers['cache-control']).to.equal('no-store');
    expect(r.text).to.contain('The site is unavailable').and.to.contain('/partner-center/');
  });

  it("writes the 502 page in the visitor's language (Accept-Language), English when none is loaded", async () => {
    const de = await send(`${down.url}/some/page`, { headers: [['Accept-Language', 'de-AT,de;q=0.9,en;q=0.5']] });
    expect(de.status).to.equal(502);
    expect(de.text).to.contain('lang="de"').and.to.contain('Die Website ist nicht erreichbar');
    const es = await send(`${down.url}/some/page`, { headers: [['Accept-Language', 'es']] });
    expect(es.text).to.contain('lang="es"').and.to.contain('El sitio no está disponible');
    const other = await send(`${down.url}/some/page`, { headers: [['Accept-Language', 'ja']] });
    expect(other.text).to.contain('lang="en"').and.to.contain('The site is unavailable');
  });

  it('keeps its own routes working and says in /readyz that WordPress is the dependency down', async () => {
    expect((await send(`${down.url}/healthz`)).status).to.equal(200);
    const ready = await send(`${down.url}/readyz`);
    expect(ready.status).to.equal(503);
    const checks = ready.json<{ checks: Record<string, { ok: boolean }> }>().checks;
    expect(checks.store!.ok).to.equal(true);
    expect(checks.wordpress!.ok).to.equal(false);
  });

  it('answers 504 within the timeout when the upstream never answers, and closes the upstream socket', async () => {
    const arrived = up.arrived('/hang');
    const r = await send(`${slow.url}/hang`, { timeoutMs: 5000 });
    expect(r.status).to.equal(504);
    expect(r.text).to.contain('slow to answer');
    const upstreamSide = await arrived;
    await eventually('the hanging upstream socket is closed', () => upstreamSide.socket.destroyed);
  });

  it('cuts an answer that stalls after its headers instead of hanging, and closes the upstream socket', async () => {
    const arrived = up.arrived('/stall');
    const outcome = await new Promise<string>((resolve) => {
      const req = request(`${slow.url}/stall`, { agent: false }, (res) => {
        res.on('data', () => undefined);
        res.on('end', () => resolve(res.complete ? 'complete' : 'cut'));
        res.on('error', () => resolve('cut'));
        res.on('aborted', () => resolve('cut'));
      });
      req.on('error', () => resolve('cut'));
      req.end();
    });
    expect(outcome).to.equal('cut');
    const upstreamSide = await arrived;
    await eventually('the stalled upstream socket is closed', () => upstreamSide.socket.destroyed);
  });
});
