/**
 * Fault: WordPress down or hanging. With a throw-away upstream (the real WordPress is shared by the whole run and
 * cannot be made to hang on cue): before the fault everything answers; a hanging upstream gets 504 within the
 * configured timeout, a refused connection 502 at once, a body stalled half-way is cut off; fifty hanging
 * requests do not slow the partner center; /readyz names WordPress while /healthz stays up; after the fault
 * the proxy serves again and no socket to the upstream is left open.
 */
import { createServer, type Server } from 'node:http';
import { seedTwoPartners } from '../support/demo.js';
import { signInAs, startTestGateway, type TestGateway } from '../support/gateway.js';
import { createTestStore, type TestStore } from '../support/store.js';
import { startFakeUpstream, type FakeUpstream } from '../proxy/fake-upstream.js';
import { eventually } from '../proxy/http.js';
import { freePort } from '../support/postgres.js';
import { expectAllHeld, type CaseResult } from './support.js';

const CLASS = 'faults: WordPress down or hanging';
const TIMEOUT_MS = 3000;

/** A request with its own deadline: the gateway must answer well before it. */
async function get(url: string, cookie?: string, deadlineMs = TIMEOUT_MS + 10_000): Promise<{ status: number; text: string; error?: string }> {
  try {
    const res = await fetch(url, { headers: cookie ? { cookie } : {}, redirect: 'manual', signal: AbortSignal.timeout(deadlineMs) });
    return { status: res.status, text: await res.text() };
  } catch (err) {
    return { status: 0, text: '', error: (err as Error).message };
  }
}

describe('adversarial faults: WordPress down or hanging', function () {
  this.timeout(60_000);
  let ts: TestStore;
  let upstream: Pick<FakeUpstream, 'url' | 'port' | 'openSockets' | 'close'>;
  let tg: TestGateway;
  let cookie: string;
  let port: number;

  before(async () => {
    ts = await createTestStore('sqlite');
    const fx = await seedTwoPartners(ts.store);
    upstream = await startFakeUpstream();
    port = upstream.port;
    tg = await startTestGateway(ts.store, { PARTNERGATE_UPSTREAM_URL: upstream.url, PARTNERGATE_UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS) });
    cookie = (await signInAs(tg, fx.a.partnerId)).cookie;
  });
  after(async () => {
    await tg?.close();
    await upstream?.close();
    await ts?.dispose();
  });

  async function healthy(label: string): Promise<CaseResult[]> {
    const page = await get(`${tg.url}/partner-center/`, cookie);
    const proxied = await get(`${tg.url}/echo`);
    const ready = await get(`${tg.url}/readyz`);
    return [
      { name: `${label}: partner center 200`, held: page.status === 200, why: `status ${page.status}` },
      { name: `${label}: proxied page 200`, held: proxied.status === 200, why: `status ${proxied.status}` },
      { name: `${label}: /readyz ready`, held: ready.status === 200, why: ready.text },
    ];
  }

  it('hanging: 504 within the timeout, the partner center unaffected; healthy before and after', async () => {
    const results = await healthy('before hang');
    // Fifty requests hang at WordPress at once; the partner center and /healthz answer meanwhile.
    // Judged by order, not by the clock: the own pages answer while the hanging requests are still waiting.
    let hangsAnswered = 0;
    const hanging = Array.from({ length: 50 }, () => get(`${tg.url}/hang`).then((r) => (hangsAnswered++, r)));
    let pageBeforeHangs = false;
    let healthBeforeHangs = false;
    const [page, health] = await Promise.all([
      get(`${tg.url}/partner-center/commissions`, cookie).then((r) => ((pageBeforeHangs = hangsAnswered === 0), r)),
      get(`${tg.url}/healthz`).then((r) => ((healthBeforeHangs = hangsAnswered === 0), r)),
    ]);
    const answers = await Promise.all(hanging);
    results.push(
      { name: 'hang: 50 requests answered 504 before their deadline', held: answers.every((a) => a.status === 504), why: [...new Set(answers.map((a) => a.status || a.error))].join(',') },
      { name: 'hang: the 504 page points to the partner center', held: answers[0]!.text.includes('/partner-center/'), why: answers[0]!.text.slice(0, 100) },
      { name: 'hang: partner center answers while WordPress hangs', held: page.status === 200 && pageBeforeHangs, why: `status ${page.status} ${page.error ?? ''}, answered before the hangs: ${pageBeforeHangs}` },
      { name: 'hang: /healthz answers while WordPress hangs', held: health.status === 200 && healthBeforeHangs, why: `status ${health.status}, answered before the hangs: ${healthBeforeHangs}` },
    );
    const stalled = await get(`${tg.url}/stall`);
    results.push({ name: 'stall: a body stalled half-way is cut off, not left hanging', held: stalled.status === 0 || stalled.text.length < 100, why: `status ${stalled.status}, ${stalled.text.length} bytes, ${stalled.error ?? ''}` });
    results.push(...(await healthy('after hang')));
    await eventually('sockets to the upstream closed', () => upstream.openSockets() <= 2, 5000).then(
      () => results.push({ name: 'hang: no socket to WordPress left open', held: true }),
      () => results.push({ name: 'hang: no socket to WordPress left open', held: false, why: `${upstream.openSockets()} open` }),
    );
    expectAllHeld(CLASS, results);
  });

  it('down: 502 at once, the partner center still works, /readyz names wordpress; serves again when it is back', async () => {
    const results = await healthy('before down');
    await upstream.close();
    const proxied = await get(`${tg.url}/some/page/`, undefined, 3000);
    const page = await get(`${tg.url}/partner-center/earnings`, cookie);
    const exportCsv = await get(`${tg.url}/partner-center/exports/commissions.csv`, cookie);
    const ready = await get(`${tg.url}/readyz`);
    const health = await get(`${tg.url}/healthz`);
    let readyBody: { checks?: Record<string, { ok: boolean }> } = {};
    try {
      readyBody = JSON.parse(ready.text);
    } catch {
      /* judged below */
    }
    results.push(
      { name: 'down: proxied request 502', held: proxied.status === 502, why: `status ${proxied.status} ${proxied.error ?? ''}` },
      { name: 'down: partner center page 200', held: page.status === 200, why: `status ${page.status}` },
      { name: 'down: export 200', held: exportCsv.status === 200, why: `status ${exportCsv.status}` },
      { name: 'down: /readyz 503 naming wordpress, store ok', held: ready.status === 503 && readyBody.checks?.wordpress?.ok === false && readyBody.checks?.store?.ok === true, why: ready.text },
      { name: 'down: /healthz 200', held: health.status === 200, why: `status ${health.status}` },
    );
    // WordPress comes back on the same port.
    upstream = await restartUpstreamOn(port);
    results.push(...(await healthy('after down')));
    expectAllHeld(CLASS, results);
  });

  it('WordPress answering only 500s, or accepting connections and never answering: /readyz names it, the gateway stays healthy', async () => {
    const broken: Server = createServer((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('wordpress fatal error');
    });
    const blackHole: Server = createServer(() => {
      /* never answers */
    });
    const [brokenPort, holePort] = [await freePort(), await freePort()];
    await new Promise<void>((r) => broken.listen(brokenPort, '127.0.0.1', () => r()));
    await new Promise<void>((r) => blackHole.listen(holePort, '127.0.0.1', () => r()));
    const env = (p: number) => ({ PARTNERGATE_UPSTREAM_URL: `http://127.0.0.1:${p}`, PARTNERGATE_UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS) });
    const first = await startTestGateway(ts.store, env(brokenPort));
    const second = await startTestGateway(ts.store, env(holePort));
    try {
      const results: CaseResult[] = [];
      for (const [label, gw, expected] of [['500s', first, 500], ['black hole', second, 504]] as const) {
        const proxied = await get(`${gw.url}/anything`);
        const ready = await get(`${gw.url}/readyz`);
        const page = await get(`${gw.url}/partner-center/`, cookie);
        results.push(
          { name: `${label}: proxied request ${expected}`, held: proxied.status === expected && (expected !== 500 || proxied.text === 'wordpress fatal error'), why: `status ${proxied.status} ${proxied.error ?? ''}` },
          { name: `${label}: /readyz 503 names wordpress`, held: ready.status === 503 && /"wordpress":\{"ok":false/.test(ready.text), why: ready.text },
          { name: `${label}: partner center 200`, held: page.status === 200, why: `status ${page.status}` },
        );
      }
      expectAllHeld(CLASS, results);
    } finally {
      await first.close();
      await second.close();
      for (const s of [broken, blackHole]) {
        s.closeAllConnections();
        await new Promise<void>((r) => s.close(() => r()));
      }
    }
  });
});

/** WordPress back on the same port (the fake upstream picks a free one): a minimal echo stands in for it. */
async function restartUpstreamOn(port: number): Promise<Pick<FakeUpstream, 'url' | 'port' | 'openSockets' | 'close'>> {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers }));
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    openSockets: () => 0,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
