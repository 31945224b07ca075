/**
 * Several gateway processes on one SQLite file (PARTNERGATE_WORKERS=2): each writes on its own connection and
 * rebuilds ranking snapshots (the store's worker thread is a third and fourth connection). None may fail with
 * SQLITE_BUSY or hang on the other's lock, and the file must come out sound, with exactly one current snapshot
 * row per ranked partner.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { generateDemoData } from '../../src/demo/index.js';
import { buildSqliteFile } from '../../src/store/index.js';

const CHILD = resolve(import.meta.dirname, 'support/two-writers-child.ts');

function runChild(file: string, name: string, rounds: number): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, ['--import', 'tsx', CHILD, file, name, String(rounds)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('error', rej);
    p.on('exit', (code) => res({ code, out, err }));
  });
}

describe('two processes on one SQLite file', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pg-two-procs-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('both write and rebuild ranking snapshots without a busy error or a hang; the file stays sound', async () => {
    const file = join(dir, 'shared.sqlite');
    await buildSqliteFile(file, (store) => generateDemoData(store, { seed: 9, partners: 200, commissions: 20_000 }));

    const [a, b] = await Promise.all([runChild(file, 'alpha', 25), runChild(file, 'beta', 25)]);
    expect(a.code, a.err).to.equal(0);
    expect(b.code, b.err).to.equal(0);
    const [ra, rb] = [JSON.parse(a.out), JSON.parse(b.out)];
    // Each ranking rebuild is leased: across the two, every round rebuilt or found the other building it.
    expect(ra.built + rb.built).to.be.greaterThan(0);

    for (const ext of ['-wal', '-shm']) expect(existsSync(`${file}${ext}`), `${ext} after both closed`).to.equal(false);
    const db = new BetterSqlite3(file, { readonly: true });
    try {
      expect(db.pragma('quick_check', { simple: true })).to.equal('ok');
      expect(db.pragma('journal_mode', { simple: true })).to.equal('wal');
      const kv = db.prepare(`select count(*) as n from kv where key like 'alpha:%' or key like 'beta:%'`).get() as { n: number };
      expect(kv.n).to.equal(50);
      const snapshots = db.prepare('select ranking_key, refreshed_at, row_count from rollup_snapshots').all() as { ranking_key: string; refreshed_at: number; row_count: number }[];
      expect(snapshots.length).to.be.greaterThan(0);
      for (const s of snapshots) {
        const rows = db.prepare(`select count(*) as n, count(distinct partner_id) as d from rollup_values where ranking_key = ?`).get(`${s.ranking_key}@${s.refreshed_at}`) as { n: number; d: number };
        expect(rows, s.ranking_key).to.deep.equal({ n: s.row_count, d: s.row_count });
      }
    } finally {
      db.close();
    }
  });
});
