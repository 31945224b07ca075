/**
 * The real gateway with PARTNERGATE_WORKERS=2 (node:cluster), Ontraport configured against the emulator and
 * a one-second sync interval: the emulator's own request log shows one sync at a time (the runs never
 * interleave) and never more requests per rolling minute than PARTNERGATE_ONTRAPORT_RATE_PER_MINUTE, though
 * the syncs and write-backs queued meanwhile ask for more than that; the store shows one runner.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import BetterSqlite3 from 'better-sqlite3';
import { queueContactUpdate } from '../../src/ontraport/index.js';
import { openStore } from '../../src/store/index.js';
import { startOntraportEmulator, type OntraportEmulator } from '../support/ontraport-emulator.js';
import { freePort } from '../support/postgres.js';

const root = new URL('../..', import.meta.url).pathname;
const LIMIT = 40;
/** The order in which a sync run visits the object types (programs ... open orders). */
const RUN_ORDER = [35, 0, 36, 16, 40, 17, 38, 44];

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}; ${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** How often a run's walk through RUN_ORDER goes back to an earlier type: once per new run, unless runs interleave. */
function stepsBack(emu: OntraportEmulator): { runs: number; back: number } {
  const data = emu.log.filter((e) => (e.path === '/objects' || e.path === '/objects/getInfo') && e.status === 200).map((e) => RUN_ORDER.indexOf(e.objectId ?? -1));
  let back = 0;
  for (let i = 1; i < data.length; i++) if (data[i]! < data[i - 1]!) back++;
  const runs = emu.log.filter((e) => e.path === '/objects/getInfo' && e.objectId === 35).length;
  return { runs, back };
}

describe('PARTNERGATE_WORKERS=2 with the Ontraport sync on', function () {
  this.timeout(120_000);
  let dir: string;
  let emu: OntraportEmulator;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'partnergate-workers-'));
    emu = await startOntraportEmulator({ rateLimit: LIMIT, rateWindowMs: 60_000 });
    emu.seed({ programs: 1, partners: 2, contacts: 4, unreferredContacts: 1, products: 1, purchases: 2, uncreditedPurchases: 0, clawbacks: 0, openOrders: 1, promoTools: 1 });
  });
  after(async () => {
    await emu.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs one sync at a time in one process, and never goes above the rate limit per rolling minute', async () => {
    const file = join(dir, 'gw.sqlite');
    const entry = process.env.PARTNERGATE_TEST_BUILT === '1' ? [join(root, 'dist/src/main.js')] : ['--import', 'tsx', join(root, 'src/main.ts')];
    const child = spawn(process.execPath, entry, {
      cwd: root,
      detached: true, // its own process group: the workers go with it at the end
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '',
        PARTNERGATE_LOG_LEVEL: 'warn',
        PARTNERGATE_PORT: String(await freePort()),
        PARTNERGATE_WORKERS: '2',
        PARTNERGATE_SQLITE_PATH: file,
        PARTNERGATE_DEMO_DATA: 'off',
        PARTNERGATE_ONTRAPORT_BASE_URL: emu.baseUrl,
        PARTNERGATE_ONTRAPORT_APP_ID: emu.appId,
        PARTNERGATE_ONTRAPORT_API_KEY: emu.apiKey,
        PARTNERGATE_ONTRAPORT_RATE_PER_MINUTE: String(LIMIT),
        PARTNERGATE_SYNC_INTERVAL_SECONDS: '1',
      },
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const log = () => `requests=${emu.log.length} output=${output.slice(-2000)}`;
    try {
      await until('two workers', () => /\(2 worker processes\)/.test(output), 60_000, log);
      // Each run asks for about 10-28 requests: the runs want more than the limit allows in a minute.
      await until('the rate limit to be reached', () => emu.log.length >= LIMIT, 60_000, log);
      // Write-backs queued now: every worker's tick would send them at once if it could.
      const store = await openStore({ kind: 'sqlite', path: file });
      try {
        for (let id = 1; id <= 5; id++) await queueContactUpdate(store.db, { idempotencyKey: `workers-test:${id}`, contactOntraportId: id, fields: { aff_paypal: `p${id}@example.com` } });
      } finally {
        await store.close();
      }
      // Room for a process that did not respect the limit to go past it.
      await new Promise((r) => setTimeout(r, 3_000));
      expect(emu.requests({ status: 429 }), '429 answers').to.deep.equal([]);
      expect(emu.maxRequestsInWindow(60_000)).to.equal(LIMIT);
      const { runs, back } = stepsBack(emu);
      expect(runs, 'sync runs started').to.be.at.least(2);
      expect(back, 'runs interleaving').to.equal(runs - 1);
      const db = new BetterSqlite3(file, { readonly: true });
      try {
        const leases = db.prepare("select name, holder from job_leases where name in ('jobs.runner', 'ontraport.sync')").all() as Array<{ name: string; holder: string }>;
        const runner = leases.find((l) => l.name === 'jobs.runner');
        expect(runner, 'runner lease').to.not.equal(undefined);
        const done = db.prepare("select count(*) as n from sync_state where last_completed_at is not null").get() as { n: number };
        expect(done.n, 'object types synced').to.equal(RUN_ORDER.length);
        expect((db.prepare('select count(*) as n from commissions').get() as { n: number }).n).to.equal(emu.all(38).length);
      } finally {
        db.close();
      }
    } finally {
      process.kill(-child.pid!, 'SIGKILL');
      await exited;
    }
  });
});
