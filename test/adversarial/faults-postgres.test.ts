/**
 * Fault: PostgreSQL restarted mid-request, on a PostgreSQL of its own (startPostgres(), so the shared one of the
 * run is not disturbed). Before: pages, exports, JSON and sign-in answer. During: an export is streaming
 * (4 MB, read slowly) and twenty page requests are in flight when the server restarts; whatever fails must
 * fail visibly (an export that breaks off must not look complete) and nothing may hang. After: the gateway
 * serves again with no restart of its own (the pool drops dead connections), sessions survived, and a
 * run of mixed requests all succeed. The figures of the outage are printed.
 */
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { sql } from 'kysely';
import { migrateToLatest, openStore, type Store } from '../../src/store/index.js';
import { seedTwoPartners, type TwoPartners } from '../support/demo.js';
import { signInAs, startTestGateway, type TestGateway } from '../support/gateway.js';
import { startPostgres, type PostgresServer } from '../support/postgres.js';
import { expectAllHeld, figuresPrinter, type CaseResult } from './support.js';

const CLASS = 'faults: PostgreSQL restarted mid-request';
const BULK = 30_000;
const figure = figuresPrinter('Fault figures: PostgreSQL restart');

describe('adversarial faults: PostgreSQL restarted mid-request', function () {
  this.timeout(120_000);
  let pgServer: PostgresServer;
  let store: Store;
  let tg: TestGateway;
  let fx: TwoPartners;
  let cookie: string;

  before(async () => {
    pgServer = await startPostgres();
    store = await openStore({ kind: 'postgres', url: await pgServer.createDatabase() });
    await migrateToLatest(store.db, 'postgres');
    fx = await seedTwoPartners(store);
    // A long export for A: BULK commissions spread over the last 300 days.
    await sql`insert into commissions (ontraport_id, partner_id, contact_id, product_id, purchase_id, promo_tool_id, sub_id, kind, status, amount_cents, currency, transaction_at, processed_at, paid_at, payout_id, updated_at)
      select null, ${fx.a.partnerId}, ${fx.a.buyerContactId}, ${fx.productId}, null, null, 'bulk-' || g, 'sale', 'approved', 1000 + g % 500, 'USD', cast(${Date.now()} as bigint) - g * 864000::bigint, null, null, null, cast(${Date.now()} as bigint)
      from generate_series(1, ${BULK}) g`.execute(store.db);
    tg = await startTestGateway(store);
    cookie = (await signInAs(tg, fx.a.partnerId)).cookie;
  });
  after(async () => {
    await tg?.close();
    await store?.close();
    await pgServer?.stop();
  });

  const from = new Date(Date.now() - 310 * 86_400_000).toISOString().slice(0, 10);
  const exportUrl = () => `${tg.url}/partner-center/exports/commissions.csv?from=${from}`;

  async function mixed(label: string, n: number): Promise<CaseResult[]> {
    const paths = ['/partner-center/', '/partner-center/commissions', '/partner-center/api/reports/commissions?limit=5', '/partner-center/earnings', '/sso/session'];
    const statuses: number[] = [];
    for (let i = 0; i < n; i++) {
      const res = await fetch(`${tg.url}${paths[i % paths.length]}`, { headers: { cookie }, redirect: 'manual' });
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    const csv = await fetch(exportUrl(), { headers: { cookie } });
    const rows = parse(await csv.text()) as string[][];
    const ready = await fetch(`${tg.url}/readyz`);
    return [
      { name: `${label}: ${n} mixed requests all 200`, held: statuses.every((s) => s === 200), why: statuses.join(',') },
      { name: `${label}: the full export (${BULK}+ rows)`, held: csv.status === 200 && rows.length > BULK, why: `status ${csv.status}, ${rows.length} rows` },
      { name: `${label}: /readyz ready`, held: ready.status === 200, why: await ready.text() },
    ];
  }

  it('restart during a streaming export and twenty requests: visible failures only, then the gateway serves again', async () => {
    const results = await mixed('before', 10);

    // An export starts streaming and is read slowly: the server restarts before it is done.
    const exportRes = await fetch(exportUrl(), { headers: { cookie } });
    expect(exportRes.status).to.equal(200);
    const reader = exportRes.body!.getReader();
    const first = await reader.read();
    expect(first.done).to.equal(false);
    const inFlight = Array.from({ length: 20 }, (_x, i) =>
      fetch(`${tg.url}${i % 2 ? '/partner-center/commissions' : '/partner-center/api/reports/commissions?limit=50'}`, { headers: { cookie }, signal: AbortSignal.timeout(60_000) })
        .then(async (r) => (await r.arrayBuffer(), r.status === 503 && !r.headers.get('retry-after') ? '503 without Retry-After' : r.status))
        .catch((err: Error) => `error ${err.name}`),
    );
    const t0 = Date.now();
    await pgServer.restart();
    const restartMs = Date.now() - t0;
    const during = await Promise.all(inFlight);

    // The export: either it completed with every row, or it broke off so that it cannot be mistaken for a file.
    let text = Buffer.from(first.value!).toString('utf8');
    let broke: string | undefined;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString('utf8');
      }
    } catch (err) {
      broke = (err as Error).message;
    }
    const complete = !broke && (parse(text) as string[][]).length > BULK;
    results.push({ name: 'restart mid-export: complete, or visibly broken off (never a truncated file that ends cleanly)', held: complete || broke !== undefined, why: `broke: ${broke ?? 'no'}, ${text.length} bytes` });
    results.push({ name: 'restart: in-flight requests answer 200, or 503 with Retry-After (the store is restarting), never 500', held: during.every((d) => d === 200 || d === 503), why: during.join(',') });
    results.push({ name: 'restart: every in-flight request got an answer (none hung)', held: during.every((d) => typeof d === 'number' || !String(d).includes('Timeout')), why: during.join(',') });

    // Back: the first requests may still meet a dead pooled connection; within a few tries the gateway serves.
    let tries = 0;
    for (; tries < 30; tries++) {
      const r = await fetch(`${tg.url}/partner-center/`, { headers: { cookie }, redirect: 'manual' });
      await r.arrayBuffer();
      if (r.status === 200) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    results.push({ name: 'after restart: serving again without restarting the gateway', held: tries < 30, why: `${tries} failed tries` });
    results.push(...(await mixed('after', 20)));
    const session = await fetch(`${tg.url}/sso/session`, { headers: { cookie } });
    results.push({ name: 'after restart: the session survived', held: session.status === 200, why: `status ${session.status}` });
    const count = await sql<{ n: string }>`select count(*) as n from commissions where partner_id = ${fx.a.partnerId}`.execute(store.db);
    results.push({ name: 'after restart: the store is intact', held: Number(count.rows[0]!.n) === BULK + fx.a.totals.commissions, why: count.rows[0]!.n });
    const statuses = during.map(String);
    figure(`  restart took ${restartMs} ms; in-flight answers: ${[...new Set(statuses)].map((s) => `${s} x${statuses.filter((x) => x === s).length}`).join(', ')}; export ${complete ? 'completed' : `broke off (${broke})`}; ${tries} failed tries before serving again`);
    expectAllHeld(CLASS, results);
  });
});
