/**
 * Streaming behaviour of the CSV exports through a real gateway: a client that stops reading parks the export
 * (back-pressure, nothing more is read from the store); a client that disconnects stops the query and frees
 * the connection; a database failure after the first byte ends the response as failed (no final chunk), and
 * one before the first byte is an ordinary error response; more concurrent exports than allowed get 503; one
 * partner cannot hold more than MAX_EXPORTS_PER_PARTNER of the slots (429 for that partner, others still served).
 */
import { once } from 'node:events';
import http from 'node:http';
import { expect } from 'chai';
import { sql } from 'kysely';
import { MAX_CONCURRENT_EXPORTS, MAX_EXPORTS_PER_PARTNER } from '../../src/reports/export-slots.js';
import type { Store } from '../../src/store/index.js';
import { recordCase } from '../support/adversarial.js';
import { signInAs, startTestGateway, type SignedIn, type TestGateway } from '../support/gateway.js';
import { forEachStore } from '../support/store.js';
import { at, bulkCommissions, commission, insertPartner, insertProgram } from './fixtures.js';

const ROWS = 60_000;
const START = at('2026-01-01T00:00:00Z');
const WHOLE_RANGE = 'from=2026-01-01&to=2026-12-31';

async function waitFor(what: string, check: () => Promise<boolean> | boolean, deadlineMs = 10_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for: ${what}`);
}

/** Starts a download, reads its first chunk, then stops reading (the export fills the buffers and parks). */
async function startParkedDownload(tg: TestGateway, who: SignedIn, path: string) {
  const req = http.get(`${tg.url}${path}`, { headers: { cookie: who.cookie } });
  const [res] = (await once(req, 'response')) as [http.IncomingMessage];
  expect(res.statusCode).to.equal(200);
  const first = (await once(res, 'data'))[0] as Buffer;
  res.pause();
  return { req, res, first };
}

interface CopyBackend {
  pid: number;
  backend_type: string;
  state: string;
}

/**
 * The processes running an export's COPY now in this test's own database: its backend and any parallel workers.
 * pg_stat_activity lists the whole server (other test files' databases too) and keeps an idle backend's last
 * statement, so both are filtered out.
 */
async function copyProcesses(store: Store): Promise<CopyBackend[]> {
  const { rows } = await sql<CopyBackend>`select pid, backend_type, state from pg_stat_activity
    where query like 'COPY (select%' and state = 'active' and datname = current_database() and pid <> pg_backend_pid()`.execute(store.db);
  return rows;
}

forEachStore('reports: streaming exports', (ctx) => {
  let tg: TestGateway;
  let big: SignedIn;
  let big2: SignedIn;
  let broken: SignedIn;
  let bigPartnerId: number;

  before(async function () {
    this.timeout(120_000);
    const programId = await insertProgram(ctx.store.db);
    const bigPartner = await insertPartner(ctx.store.db, { programId, code: 'BIG', timeZone: 'UTC' });
    bigPartnerId = bigPartner;
    await bulkCommissions(ctx.store, bigPartner, ROWS, START, { wide: true });
    // A second large partner: one partner may hold only MAX_EXPORTS_PER_PARTNER of the slots.
    const big2Partner = await insertPartner(ctx.store.db, { programId, code: 'BIG2', timeZone: 'UTC' });
    await bulkCommissions(ctx.store, big2Partner, ROWS, START, { wide: true });
    const brokenPartner = await insertPartner(ctx.store.db, { programId, code: 'BROKEN', timeZone: 'UTC' });
    await bulkCommissions(ctx.store, brokenPartner, 20_000, START);
    if (ctx.kind === 'sqlite') {
      // A corrupt cell after 20,000 good rows (SQLite keeps whatever it is given): the export must fail, not guess.
      await ctx.store.db.insertInto('commissions').values(commission(brokenPartner, { transaction_at: at('2026-12-30T00:00:00Z'), amount_cents: 'corrupt' as unknown as number })).execute();
    }
    // Exports over the cap wait for a slot 1 s here (20 s by default), then get 503.
    // 3 s: long enough for an abandoned PostgreSQL COPY to give its slot back on a busy machine, short enough for
    // the "told to retry" case.
    // Statistics, as autovacuum gives a busy server: with them the planner picks a parallel plan for these
    // exports (two workers beside the backend), which a parked download must not keep (sources.ts).
    if (ctx.kind === 'postgres') await sql`analyze`.execute(ctx.store.db);
    tg = await startTestGateway(ctx.store, { PARTNERGATE_EXPORT_QUEUE_SECONDS: '3' });
    big = await signInAs(tg, bigPartner);
    big2 = await signInAs(tg, big2Partner);
    broken = await signInAs(tg, brokenPartner);
  });
  after(async () => tg?.close());
  afterEach(async () => waitFor('exports released', () => tg.gateway.deps.exportSlots.inFlight() === 0));

  it('a client that stops reading parks the export; disconnecting stops the query and frees the connection', async () => {
    const { req, first } = await startParkedDownload(tg, big, `/partner-center/exports/commissions.csv?${WHOLE_RANGE}`);
    let copyPid: number | undefined;
    try {
      expect(first.toString()).to.match(/^commission_id,/);
      await new Promise((r) => setTimeout(r, 300));
      expect(tg.gateway.deps.exportSlots.inFlight(), 'still mid-way: the rest was not read from the store').to.equal(1);
      if (ctx.kind === 'postgres') {
        // One process: the export's own backend. No parallel workers held while the client does not read.
        const running = await copyProcesses(ctx.store);
        const oneBackend = running.length === 1 && running[0]!.backend_type === 'client backend';
        expect(recordCase('export resource exhaustion', 'postgres: a parked export holds one backend, no parallel workers', oneBackend), JSON.stringify(running)).to.equal(true);
        copyPid = running[0]!.pid;
      }
    } finally {
      // Also when an assertion above fails: a parked download would hold its slot, its COPY and its table lock
      // for the rest of the file, and every later test would time out behind it.
      req.destroy();
    }
    await waitFor('export source released', () => tg.gateway.deps.exportSlots.inFlight() === 0);
    if (ctx.kind === 'postgres') {
      // The backend itself ends (its connection is closed, not put back in the pool mid-COPY).
      await waitFor('COPY backend gone', async () => {
        const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where pid = ${copyPid!}`.execute(ctx.store.db);
        return rows[0]!.n === 0;
      });
      const pool = ctx.store.pgPool!;
      expect(pool.totalCount - pool.idleCount, 'no pool client left checked out').to.equal(0);
    }
    recordCase('export resource exhaustion', `${ctx.kind}: disconnect stops the query`, true);
  });

  it('a download nobody reads is dropped after the client idle timeout: its slot, its backend and the server are freed', async function () {
    this.timeout(60_000);
    // Its own gateway: the shared one keeps parked downloads for the slot tests below.
    const stallTg = await startTestGateway(ctx.store, { PARTNERGATE_CLIENT_IDLE_TIMEOUT_MS: '1500' });
    const scratch = `stall_scratch_${process.pid}_${Date.now().toString(36)}`;
    let dropped: Promise<unknown> | undefined;
    try {
      const who = await signInAs(stallTg, bigPartnerId);
      const { req, res } = await startParkedDownload(stallTg, who, `/partner-center/exports/commissions.csv?${WHOLE_RANGE}`);
      req.on('error', () => {});
      try {
        expect(stallTg.gateway.deps.exportSlots.inFlight(), 'parked, not yet dropped').to.equal(1);
        if (ctx.kind === 'postgres') {
          // A parked COPY's backend does not answer the server's barriers: a DROP DATABASE anywhere on the server
          // waits for it. Dropping the download is what lets it through.
          await sql`create database ${sql.id(scratch)}`.execute(ctx.store.db);
          dropped = sql`drop database ${sql.id(scratch)}`.execute(ctx.store.db);
        }
        await waitFor('the stalled download dropped', () => stallTg.gateway.deps.exportSlots.inFlight() === 0, 15_000);
        if (ctx.kind === 'postgres') {
          await waitFor('its COPY ended', async () => (await copyProcesses(ctx.store)).length === 0, 15_000);
          await dropped;
          dropped = undefined;
        }
        // What the client got is visibly broken off, never a file that looks complete.
        let sawEnd = false;
        res.on('end', () => (sawEnd = true));
        res.on('error', () => {});
        const closed = new Promise((resolve) => res.once('close', resolve));
        res.resume();
        await closed;
        expect(recordCase('export resource exhaustion', `${ctx.kind}: an unread download is dropped at the idle timeout`, res.complete === false && !sawEnd), `complete=${res.complete} end=${sawEnd}`).to.equal(true);
      } finally {
        req.destroy();
      }
    } finally {
      await dropped?.catch(() => {});
      if (ctx.kind === 'postgres') await sql`drop database if exists ${sql.id(scratch)}`.execute(ctx.store.db);
      await stallTg.close();
    }
  });

  it('a database failure after the first byte ends the response as failed (no complete-looking file)', async () => {
    let res: http.IncomingMessage;
    if (ctx.kind === 'postgres') {
      const parked = await startParkedDownload(tg, big, `/partner-center/exports/commissions.csv?${WHOLE_RANGE}`);
      res = parked.res;
      const running = await copyProcesses(ctx.store);
      const [backend] = running;
      if (running.length !== 1) parked.req.destroy();
      expect(running, 'the COPY is running, in one backend').to.have.length(1);
      await sql`select pg_terminate_backend(${backend!.pid})`.execute(ctx.store.db);
    } else {
      const req = http.get(`${tg.url}/partner-center/exports/commissions.csv?${WHOLE_RANGE}`, { headers: { cookie: broken.cookie } });
      [res] = (await once(req, 'response')) as [http.IncomingMessage];
      expect(res.statusCode).to.equal(200);
    }
    let bytes = 0;
    let sawEnd = false;
    res.on('data', (c: Buffer) => (bytes += c.length));
    res.on('end', () => (sawEnd = true));
    res.on('error', () => {});
    const closed = new Promise((resolve) => res.once('close', resolve));
    res.resume();
    await closed;
    expect(bytes).to.be.greaterThan(0);
    const held = res.complete === false && !sawEnd;
    expect(recordCase('export integrity', `${ctx.kind}: mid-stream failure is not a complete file`, held), `complete=${res.complete} end=${sawEnd}`).to.equal(true);
  });

  it('a database failure before the first byte is an ordinary error response, not a download', async () => {
    await sql`alter table products rename to products_away`.execute(ctx.store.db);
    try {
      const res = await fetch(`${tg.url}/partner-center/exports/commissions.csv?${WHOLE_RANGE}`, { headers: { cookie: big.cookie, accept: 'application/json' } });
      expect(res.status).to.equal(500);
      expect(res.headers.get('content-disposition')).to.equal(null);
      expect(((await res.json()) as { error: { code: string } }).error.code).to.equal('internal');
    } finally {
      await sql`alter table products_away rename to products`.execute(ctx.store.db);
    }
  });

  /** Big downloads that read nothing (each keeps its export slot until destroyed), shared by the big partners. */
  async function holdExportSlots(count = MAX_CONCURRENT_EXPORTS, holders: SignedIn[] = [big, big2]): Promise<http.ClientRequest[]> {
    const running = Array.from({ length: count }, (_, i) => {
      const req = http.get(`${tg.url}/partner-center/exports/commissions.csv?${WHOLE_RANGE}`, { headers: { cookie: holders[i % holders.length]!.cookie } });
      req.on('response', (res) => res.pause());
      req.on('error', () => {});
      return req;
    });
    try {
      await waitFor('the exports running', () => tg.gateway.deps.exportSlots.inFlight() === count);
    } catch (err) {
      for (const req of running) req.destroy();
      throw err;
    }
    return running;
  }

  const holdEveryExportSlot = () => holdExportSlots();

  it(`more than ${MAX_CONCURRENT_EXPORTS} exports at once: the next one waits for a slot and completes when one frees`, async () => {
    const running = await holdEveryExportSlot();
    try {
      const queued = fetch(`${tg.url}/partner-center/exports/contacts.csv?${WHOLE_RANGE}`, { headers: { cookie: broken.cookie } });
      await new Promise((r) => setTimeout(r, 200));
      running[0]!.destroy(); // the first download is abandoned: its slot goes to the queued export
      const res = await queued;
      expect(res.status).to.equal(200);
      expect((await res.text()).split('\r\n')[0]).to.match(/^contact_id,/);
    } finally {
      for (const req of running) req.destroy();
    }
  });

  it(`more than ${MAX_CONCURRENT_EXPORTS} exports at once: the next one is told to retry (503)`, async () => {
    const running = await holdEveryExportSlot();
    try {
      const res = await fetch(`${tg.url}/partner-center/exports/contacts.csv?${WHOLE_RANGE}`, { headers: { cookie: broken.cookie } });
      expect(res.status).to.equal(503);
      expect(res.headers.get('retry-after')).to.equal('30');
      const page = await fetch(`${tg.url}/partner-center/api/reports/commissions?${WHOLE_RANGE}&limit=1`, { headers: { cookie: big.cookie } });
      expect(page.status, 'the rest of the gateway still answers').to.equal(200);
    } finally {
      for (const req of running) req.destroy();
    }
  });

  it(`one partner holds at most ${MAX_EXPORTS_PER_PARTNER} export slots: a further export from them gets 429 with Retry-After, others still get slots`, async () => {
    const running = await holdExportSlots(MAX_EXPORTS_PER_PARTNER, [big]);
    try {
      const more = await fetch(`${tg.url}/partner-center/exports/contacts.csv?${WHOLE_RANGE}`, { headers: { cookie: big.cookie } });
      const moreText = await more.text();
      const other = await fetch(`${tg.url}/partner-center/exports/contacts.csv?${WHOLE_RANGE}`, { headers: { cookie: big2.cookie } });
      const otherText = await other.text();
      const held = [
        recordCase('export slot hogging', 'partner at the cap: 429', more.status === 429),
        recordCase('export slot hogging', 'partner at the cap: Retry-After', /^\d+$/.test(more.headers.get('retry-after') ?? '')),
        recordCase('export slot hogging', 'partner at the cap: told why, not given a file', /downloads running/.test(moreText) && !/^contact_id,/.test(moreText)),
        recordCase('export slot hogging', 'another partner still gets a slot', other.status === 200 && /^contact_id,/.test(otherText)),
      ];
      expect(held, `${more.status} ${other.status}`).to.deep.equal([true, true, true, true]);
    } finally {
      for (const req of running) req.destroy();
    }
    // The partner's slots come back once their downloads end.
    await waitFor('exports released', () => tg.gateway.deps.exportSlots.inFlight() === 0);
    const again = await fetch(`${tg.url}/partner-center/exports/contacts.csv?${WHOLE_RANGE}`, { headers: { cookie: big.cookie } });
    expect(recordCase('export slot hogging', 'slots given back when the downloads end', again.status === 200)).to.equal(true);
    await again.text();
  });
});
