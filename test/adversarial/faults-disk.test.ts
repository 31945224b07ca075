/**
 * Fault: the disk full under the SQLite store (a small tmpfs, filled up; root only, as in CI). Before: reads and
 * writes work. During: writes fail with a clear error and change nothing (a multi-row change, such as a PayPal
 * change request with its token, two emails and an audit row, leaves no trace), the gateway keeps serving reads
 * (pages, exports, report JSON, /healthz) to signed-in partners, including one whose session is due for its
 * "last seen" update, an expired session (whose row cannot be deleted now) is sent to sign in again rather than
 * answered 500, and /readyz still answers. After: space is freed, writes work again, the database passes
 * SQLite's integrity check.
 */
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { sql } from 'kysely';
import { sha256 } from '../../src/common/tokens.js';
import { migrateToLatest, openStore, type Store } from '../../src/store/index.js';
import { seedTwoPartners, type TwoPartners } from '../support/demo.js';
import { canMount, smallDisk } from '../support/fs.js';
import { signInAs, startTestGateway, type SignedIn, type TestGateway } from '../support/gateway.js';
import { expectAllHeld, type CaseResult } from './support.js';

const CLASS = 'faults: disk full (SQLite)';

/** Writes zeros into `path` until the file system refuses (ENOSPC). */
function fill(path: string): number {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  let written = 0;
  try {
    for (;;) written += writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  // The last bytes: whatever a 64 KiB chunk could not take.
  const fd2 = openSync(path, 'a');
  try {
    for (;;) written += writeSync(fd2, Buffer.alloc(512));
  } catch {
    /* full */
  } finally {
    closeSync(fd2);
  }
  return written;
}

(canMount ? describe : describe.skip)('adversarial faults: the disk full under SQLite', function () {
  this.timeout(60_000);
  let disk: { dir: string; dispose(): void };
  let store: Store;
  let tg: TestGateway;
  let fx: TwoPartners;
  let a: SignedIn;
  let b: SignedIn;
  const filler = () => join(disk.dir, 'filler.bin');

  before(async () => {
    disk = smallDisk(8 * 1024 * 1024);
    store = await openStore({ kind: 'sqlite', path: join(disk.dir, 'store.sqlite') });
    await migrateToLatest(store.db, 'sqlite');
    fx = await seedTwoPartners(store);
    tg = await startTestGateway(store);
    a = await signInAs(tg, fx.a.partnerId);
    b = await signInAs(tg, fx.b.partnerId);
  });
  after(async () => {
    await tg?.close();
    await store?.close();
    disk?.dispose();
  });

  const get = async (path: string, cookie?: string) => {
    const res = await fetch(`${tg.url}${path}`, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
    return { status: res.status, text: await res.text() };
  };
  const post = async (path: string, s: SignedIn, form: Record<string, string>) => {
    const res = await fetch(`${tg.url}${path}`, { method: 'POST', redirect: 'manual', headers: { cookie: s.cookie, origin: tg.url, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: s.csrfToken, ...form }) });
    return { status: res.status, text: await res.text() };
  };
  const reads = async (label: string, s: SignedIn): Promise<CaseResult[]> => {
    const out: CaseResult[] = [];
    for (const path of ['/partner-center/', '/partner-center/commissions', '/partner-center/exports/commissions.csv', '/partner-center/api/reports/payments', '/partner-center/earnings']) {
      const r = await get(path, s.cookie);
      out.push({ name: `${label}: read ${path}`, held: r.status === 200, why: `status ${r.status} ${r.text.slice(0, 120)}` });
    }
    return out;
  };
  const zoneOf = async (partnerId: number) => (await store.db.selectFrom('partners').select('time_zone').where('id', '=', partnerId).executeTakeFirstOrThrow()).time_zone;

  it('before: reads and writes work', async () => {
    const results = await reads('before', a);
    const write = await post('/partner-center/settings/time-zone', a, { time_zone: 'Europe/Paris' });
    results.push({ name: 'before: a write works', held: write.status === 303 && (await zoneOf(fx.a.partnerId)) === 'Europe/Paris', why: `status ${write.status}` });
    expectAllHeld(CLASS, results);
  });

  it('disk full: writes fail clearly and change nothing; reads, /healthz and /readyz keep answering', async () => {
    // B's session is due for its "last seen" update (a write) on its next request.
    await store.db.updateTable('sessions').set({ last_seen_at: Date.now() - 10 * 60_000 }).where('id_hash', '=', sha256(b.cookieValue)).execute();
    // A second session of A's has expired: refusing it deletes its row (a write).
    const expired = await signInAs(tg, fx.a.partnerId);
    await store.db.updateTable('sessions').set({ idle_expires_at: Date.now() - 1000 }).where('id_hash', '=', sha256(expired.cookieValue)).execute();
    const counts = async () => JSON.stringify(await Promise.all(['one_time_tokens', 'email_outbox', 'audit_log', 'sessions'].map(async (t) => (await sql<{ n: number }>`select count(*) as n from ${sql.table(t)}`.execute(store.db)).rows[0]!.n)));
    const filled = fill(filler());
    expect(filled).to.be.greaterThan(0);
    const countsBefore = await counts();
    const results: CaseResult[] = [];

    const zone = await post('/partner-center/settings/time-zone', a, { time_zone: 'Asia/Tokyo' });
    results.push({ name: 'full: a write fails with an error status, not a crash', held: zone.status >= 500 && zone.status < 600, why: `status ${zone.status}` });
    results.push({ name: 'full: the failed write changed nothing', held: (await zoneOf(fx.a.partnerId)) === 'Europe/Paris', why: String(await zoneOf(fx.a.partnerId)) });
    const paypal = await post('/partner-center/settings/paypal', a, { paypal_email: 'alice.full.disk@example.test', current_password: fx.a.password });
    results.push({ name: 'full: a multi-row change (PayPal request) fails', held: paypal.status >= 500, why: `status ${paypal.status}` });
    results.push({ name: 'full: nothing of it half-written (token, emails, audit, sessions)', held: (await counts()) === countsBefore, why: `${countsBefore} -> ${await counts()}` });

    results.push(...(await reads('full', a)));
    results.push(...(await reads('full, session due for its touch', b)));
    const stale = await get('/partner-center/', expired.cookie);
    results.push({ name: 'full: an expired session is sent to sign in (its row cannot be deleted now), not a 500', held: stale.status === 303, why: `status ${stale.status} ${stale.text.slice(0, 120)}` });
    const health = await get('/healthz');
    const ready = await get('/readyz');
    results.push({ name: 'full: /healthz 200', held: health.status === 200, why: `status ${health.status}` });
    results.push({ name: 'full: /readyz answers', held: ready.status === 200 || ready.status === 503, why: `status ${ready.status}` });
    const integrity = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(store.db);
    results.push({ name: 'full: the database is intact', held: integrity.rows[0]?.integrity_check === 'ok', why: JSON.stringify(integrity.rows) });
    expectAllHeld(CLASS, results);
  });

  it('after: space freed, writes work again, the database is intact', async () => {
    rmSync(filler(), { force: true });
    const results = await reads('after', a);
    const write = await post('/partner-center/settings/time-zone', a, { time_zone: 'Asia/Tokyo' });
    results.push({ name: 'after: a write works again', held: write.status === 303 && (await zoneOf(fx.a.partnerId)) === 'Asia/Tokyo', why: `status ${write.status}` });
    const paypal = await post('/partner-center/settings/paypal', a, { paypal_email: 'alice.after.disk@example.test', current_password: fx.a.password });
    results.push({ name: 'after: the multi-row change works again', held: paypal.status === 303, why: `status ${paypal.status}` });
    const integrity = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(store.db);
    results.push({ name: 'after: integrity check ok', held: integrity.rows[0]?.integrity_check === 'ok', why: JSON.stringify(integrity.rows) });
    expectAllHeld(CLASS, results);
  });
});
