/**
 * deploy/nginx/partnergate.conf with the real nginx, in front of a real gateway in front of a real WordPress:
 * TLS, HTTP -> HTTPS, WordPress's static files from disk (and nothing else), the partner center and sign-in
 * through TLS, and the client's address as the gateway and WordPress see it.
 */
import { expect } from 'chai';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { dirname, join } from 'node:path';
import { chmodSync } from 'node:fs';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/common/index.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createTestStore, type TestStore } from '../support/store.js';
import { startWordPress, type WordPress } from '../support/wordpress.js';
import { csrfIn, PASSWORD, seedPartner } from '../auth/support/fixtures.js';
import { eventually } from '../proxy/http.js';
import { startNginxFront, type NginxFront } from './nginx-front.js';

/** Where the test client connects from: a loopback address that is not nginx's own, so "the real client" shows. */
const CLIENT_ADDRESS = '127.0.0.5';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

function exchange(viaTls: boolean, port: number, path: string, opts: { ca?: string; method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = { ...opts.headers, ...(opts.body !== undefined ? { 'content-length': String(Buffer.byteLength(opts.body)) } : {}) };
    const options = { host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers, localAddress: CLIENT_ADDRESS, agent: false as const };
    const req = viaTls ? httpsRequest({ ...options, ca: opts.ca }) : httpRequest(options);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

interface LogLine {
  msg: string;
  path?: string;
  ip?: string;
  reqId?: string;
}

describe('deploy: the nginx TLS front (deploy/nginx/partnergate.conf) with the real nginx', function () {
  this.timeout(120_000);
  let wp: WordPress;
  let ts: TestStore;
  let gw: TestGateway;
  let front: NginxFront;
  const lines: LogLine[] = [];
  let origin: string;
  const https = (path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}) => exchange(true, front.tlsPort, path, { ...opts, ca: front.cert });
  const reachedGateway = (path: string) => lines.some((l) => l.msg === 'request' && l.path === path);

  before(async () => {
    wp = await startWordPress();
    ts = await createTestStore('sqlite');
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const text of chunk.toString('utf8').split('\n')) if (text.trim()) lines.push(JSON.parse(text) as LogLine);
        cb();
      },
    });
    // nginx must read the WordPress directory (its core files are world-readable links; the test folder is private).
    const siteDir = join(dirname(wp.logDir), 'site');
    chmodSync(dirname(wp.logDir), 0o711);
    front = await startNginxFront({ gatewayPort: wp.gatewayPort, wordpressDir: siteDir });
    origin = `https://127.0.0.1:${front.tlsPort}`;
    // As the runbook says: the public URL is the https origin, and the gateway trusts nginx (here: only 127.0.0.1,
    // so that the test client's own loopback address counts as a client).
    gw = await startTestGateway(ts.store, { ...wp.gatewayEnv(), PARTNERGATE_PUBLIC_URL: origin, PARTNERGATE_TRUST_PROXY: '127.0.0.1' }, { logger: createLogger('info', sink) });
  });
  after(async () => {
    await gw?.close();
    await front?.stop();
    await ts?.dispose();
  });

  it('redirects plain HTTP to HTTPS, keeping the path and query', async () => {
    const r = await exchange(false, front.httpPort, '/partner-center/reports?from=2026-01-01');
    expect(r.status).to.equal(301);
    expect(r.headers.location).to.equal('https://127.0.0.1/partner-center/reports?from=2026-01-01');
    expect(reachedGateway('/partner-center/reports')).to.equal(false);
  });

  it('serves a WordPress page through TLS and the gateway', async () => {
    const r = await https('/wp-login.php');
    expect(r.status).to.equal(200);
    expect(r.text).to.contain('id="loginform"');
    expect(r.headers['x-request-id']).to.be.a('string');
    expect(r.headers['strict-transport-security']).to.equal('max-age=31536000');
    await eventually('the gateway logged /wp-login.php', () => reachedGateway('/wp-login.php'));
  });

  it('serves WordPress core and theme assets from disk: nginx answers, the gateway never sees them', async () => {
    for (const path of ['/wp-includes/css/dashicons.min.css', '/wp-content/themes/twentytwentyone/style.css', '/wp-includes/js/jquery/jquery.min.js']) {
      const r = await https(path);
      expect(r.status, path).to.equal(200);
      expect(r.headers['content-type'], path).to.match(/^(text\/css|application\/javascript)/);
      expect(r.headers['x-request-id'], `${path}: the gateway sets X-Request-Id on everything it answers`).to.equal(undefined);
      expect(r.headers['x-content-type-options'], path).to.equal('nosniff');
      expect(reachedGateway(path), path).to.equal(false);
    }
  });

  it('never serves PHP source, dotfiles, or the gateway\'s own paths from disk', async () => {
    const php = await https('/wp-includes/version.php');
    expect(php.text).not.to.contain('<?php');
    await eventually('a .php file goes to the gateway (and WordPress)', () => reachedGateway('/wp-includes/version.php'));
    const disguised = await https('/wp-includes/version.php/x.css');
    expect(disguised.text).not.to.contain('<?php');
    expect((await https('/wp-includes/.htaccess')).status).to.equal(404);
    // Under the gateway's prefix even an allowed extension and a dot-segment detour reach the gateway.
    const own = await https('/wp-includes/../partner-center/assets/brand.css');
    expect(own.status).to.equal(200);
    expect(own.text).to.contain('--brand');
    await eventually('the gateway logged brand.css', () => reachedGateway('/partner-center/assets/brand.css'));
  });

  it('signs a partner in through TLS and shows the partner center', async () => {
    await seedPartner(ts.store, { email: 'front@example.test' });
    const jar = new Map<string, string>();
    const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const keep = (r: Answer) => {
      for (const line of r.headers['set-cookie'] ?? []) {
        const [pair] = line.split(';');
        const eq = pair!.indexOf('=');
        jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
      }
      return r;
    };
    const form = keep(await https('/sso/sign-in'));
    expect(form.status).to.equal(200);
    const body = new URLSearchParams({ _csrf: csrfIn(form.text), email: 'front@example.test', password: PASSWORD, rd: '' }).toString();
    const signIn = keep(await https('/sso/sign-in', { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', origin, cookie: cookieHeader() } }));
    expect(signIn.status, signIn.text.slice(0, 300)).to.equal(303);
    expect([...jar.keys()]).to.include('__Host-pg_session');
    const center = await https('/partner-center/', { headers: { cookie: cookieHeader() } });
    expect(center.status).to.equal(200);
    expect(center.text).to.match(/<h1[^>]*>/);
    expect(center.headers['cache-control']).to.equal('private, no-store');
  });

  it('the gateway and WordPress see the real client: X-Forwarded-For from nginx is believed, a client-written entry is not', async () => {
    const r = await https('/?pg_echo=request', { headers: { 'x-forwarded-for': '6.6.6.6' } });
    expect(r.status).to.equal(200);
    const seen = JSON.parse(r.text) as { headers: Record<string, string> };
    expect(seen.headers.HTTP_X_FORWARDED_FOR).to.equal(`${CLIENT_ADDRESS}, 127.0.0.1`);
    expect(seen.headers.HTTP_X_FORWARDED_PROTO).to.equal('https');
    expect(seen.headers.HTTP_X_REQUEST_ID).to.equal(r.headers['x-request-id']);
    await eventually('the access log line', () => lines.some((l) => l.msg === 'request' && l.reqId === r.headers['x-request-id']));
    expect(lines.find((l) => l.msg === 'request' && l.reqId === r.headers['x-request-id'])!.ip).to.equal(CLIENT_ADDRESS);
    expect(front.accessLog()).to.contain(CLIENT_ADDRESS);
  });
});
