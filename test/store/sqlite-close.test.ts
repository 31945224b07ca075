/**
 * Regression: the pages benchmark's store came out malformed ("database disk image is malformed", or "disk I/O
 * error" on open). Cause: closing a SQLite store left the ranking-snapshot worker thread's own connection to the
 * file open (idle for up to a minute), so the store's committed snapshot rows stayed in a live `-wal` beside the
 * file; renaming the file and deleting that `-wal` then threw away committed pages, and a new connection to the
 * renamed file shared the live connection's WAL index (same inode, same process) while writing another WAL.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { refreshRankings } from '../../src/blocks/index.js';
import { generateDemoData } from '../../src/demo/index.js';
import { migrateToLatest, openStore } from '../../src/store/index.js';

describe('SQLite store close', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'partnergate-close-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('regression: after a ranking refresh, close() leaves no -wal/-shm, and the file renamed elsewhere opens intact with every row', async () => {
    const loading = join(dir, 'pages.sqlite.loading');
    const file = join(dir, 'pages.sqlite');
    const store = await openStore({ kind: 'sqlite', path: loading });
    await migrateToLatest(store.db, store.kind);
    await generateDemoData(store, { seed: 42, partners: 60, commissions: 1_500 });
    const refreshed = await refreshRankings({ store, config: { defaultTimeZone: 'UTC' } });
    const snapshotRows = refreshed.reduce((n, r) => n + r.rows, 0);
    expect(snapshotRows).to.be.greaterThan(0);
    await store.close();

    expect(existsSync(`${loading}-wal`), 'a -wal beside a closed store').to.equal(false);
    expect(existsSync(`${loading}-shm`), 'a -shm beside a closed store').to.equal(false);
    // What the benchmark did next: rename the file and delete the old name's WAL pair.
    renameSync(loading, file);
    for (const ext of ['-wal', '-shm']) rmSync(`${loading}${ext}`, { force: true });

    const db = new BetterSqlite3(file);
    try {
      expect(db.pragma('quick_check', { simple: true })).to.equal('ok');
      const { n } = db.prepare('select count(*) as n from rollup_values').get() as { n: number };
      expect(n).to.equal(snapshotRows);
    } finally {
      db.close();
    }
  });
});
