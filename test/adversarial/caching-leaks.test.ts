/**
 * Caching and leaks: a WordPress page rendered for a signed-in partner (the gateway added the identity assertion)
 * must not be kept by a shared cache and served to someone else; public probes must not tell strangers what broke
 * or hand them the process's metrics in production.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { Store } from '../../src/store/index.js';
import { startTestGateway, useTestGateway } from '../support/gateway.js';
import { forEachStore } from '../support/store.js';
import { startFakeUpstream, type FakeUpstream } from '../proxy/fake-upstream.js';
import { addPartner } from '../proxy/fixtures.js';
import { send } from '../proxy/http.js';
import { expectAllHeld } from './support.js';

const CLASS = 'caching and leaks';

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

forEachStore('caching and leaks: proxied answers for a signed-in partner', (ctx) => {
  let up: FakeUpstream;
  before(async () => {
    up = await startFakeUpstream();
  });
  // Started after the upstream and closed before it (hooks run in registration order).
  const gw = useTestGateway(() => ctx.store, () => ({ PARTNERGATE_UPSTREAM_URL: up.url, PARTNERGATE_WP_SHIM_SECRET: 'caching-test-secret-0123456789abcdef0123' }));
  after(async () => {
    await up?.close();
  });

  it('carry Cache-Control: private and Vary: Cookie; anonymous answers pass through untouched', async () => {
    const partner = await addPartner(ctx.store);
    const { cookie } = await gw.signIn(partner.partnerId, { email: partner.email });
    const signedPage = await send(`${gw.url}/cacheable`, { headers: [['Cookie', cookie]] });
    const signedEcho = await send(`${gw.url}/echo`, { headers: [['Cookie', `theme=dark; ${cookie}`]] });
    const anonymous = await send(`${gw.url}/cacheable`);
    const spoofed = await send(`${gw.url}/cacheable`, { headers: [['X-Partnergate-Identity', 'forged']] });
    const cc = (r: typeof anonymous) => String(r.headers['cache-control'] ?? '');
    const vary = (r: typeof anonymous) => String(r.headers.vary ?? '');
    expectAllHeld(CLASS, [
      { name: 'signed-in, WordPress said public: private', held: /^private\b/.test(cc(signedPage)) && !/public|s-maxage/i.test(cc(signedPage)), why: cc(signedPage) },
      { name: 'signed-in, WordPress said public: the browser lifetime stays', held: /max-age=600/.test(cc(signedPage)), why: cc(signedPage) },
      { name: 'signed-in, WordPress said public: Vary keeps Accept-Encoding and adds Cookie', held: /Accept-Encoding/.test(vary(signedPage)) && /\bCookie\b/.test(vary(signedPage)), why: vary(signedPage) },
      { name: 'signed-in, no Cache-Control from WordPress: private', held: cc(signedEcho) === 'private', why: cc(signedEcho) },
      { name: 'signed-in, no Vary from WordPress: Vary: Cookie', held: vary(signedEcho) === 'Cookie', why: vary(signedEcho) },
      { name: 'the upstream did get the assertion', held: typeof signedEcho.json<{ headers: Record<string, string> }>().headers['x-partnergate-identity'] === 'string' },
      { name: 'anonymous: WordPress caching headers untouched', held: cc(anonymous) === 'public, max-age=600, s-maxage=3600' && vary(anonymous) === 'Accept-Encoding', why: `${cc(anonymous)} / ${vary(anonymous)}` },
      { name: 'anonymous with a forged assertion header: not taken for signed-in', held: cc(spoofed) === 'public, max-age=600, s-maxage=3600', why: cc(spoofed) },
    ]);
  });
});

forEachStore('caching and leaks: public probes', (ctx) => {
  it('/readyz says what is down, never why (no driver message, host, port or credentials)', async () => {
    const port = await closedPort();
    const brokenStore: Store = { ...ctx.store, ping: () => Promise.reject(new Error('connect ECONNREFUSED postgres://admin:hunter2@db.internal:5432/partners')) };
    const gw = await startTestGateway(brokenStore, { PARTNERGATE_UPSTREAM_URL: `http://127.0.0.1:${port}`, PARTNERGATE_WP_SHIM_SECRET: 'caching-test-secret-0123456789abcdef0123' });
    try {
      const ready = await send(`${gw.url}/readyz`);
      const body = ready.json<{ status: string; checks: Record<string, { ok: boolean }> }>();
      expectAllHeld(CLASS, [
        { name: '/readyz: 503 naming both checks', held: ready.status === 503 && body.checks.store?.ok === false && body.checks.wordpress?.ok === false, why: ready.text },
        { name: '/readyz: no store error text', held: !/ECONNREFUSED|hunter2|db\.internal|admin/.test(ready.text), why: ready.text },
        { name: '/readyz: no upstream error text', held: !ready.text.includes(String(port)) && !/connect|refused/i.test(ready.text), why: ready.text },
      ]);
    } finally {
      await gw.close();
    }
  });

  it('/metrics answers only with its token in production, and openly in development', async () => {
    const production = { PARTNERGATE_ENV: 'production', PARTNERGATE_PUBLIC_URL: 'https://partners.example.test', PARTNERGATE_DATA_KEY: randomBytes(32).toString('base64') };
    const token = 'metrics-token-0123456789';
    const bare = await startTestGateway(ctx.store, production);
    const guarded = await startTestGateway(ctx.store, { ...production, PARTNERGATE_METRICS_TOKEN: token });
    const dev = await startTestGateway(ctx.store);
    try {
      const noToken = await send(`${bare.url}/metrics`);
      const wrong = await send(`${guarded.url}/metrics`, { headers: [['Authorization', 'Bearer nope-nope-nope-nope']] });
      const right = await send(`${guarded.url}/metrics`, { headers: [['Authorization', `Bearer ${token}`]] });
      const open = await send(`${dev.url}/metrics`);
      expectAllHeld(CLASS, [
        { name: 'production, no token configured: /metrics 404, no figures', held: noToken.status === 404 && !noToken.text.includes('partnergate_http_requests_total'), why: `${noToken.status} ${noToken.text.slice(0, 80)}` },
        { name: 'production, wrong token: 401', held: wrong.status === 401 && !wrong.text.includes('partnergate_'), why: String(wrong.status) },
        { name: 'production, right token: the figures', held: right.status === 200 && right.text.includes('partnergate_http_requests_total'), why: String(right.status) },
        { name: 'development without a token: open', held: open.status === 200, why: String(open.status) },
      ]);
    } finally {
      await bare.close();
      await guarded.close();
      await dev.close();
    }
  });
});
