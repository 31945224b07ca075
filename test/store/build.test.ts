/**
 * `buildSqliteFile` and `installSqliteFile`: a bulk-loaded SQLite store is built under a temporary name and put
 * in place with one rename, so the file at the destination is always the previous one or the finished new one,
 * never a malformed one, whatever kills the loader and whatever lies beside the destination.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { buildSqliteFile, buildingPathOf, getKv, openStore, setKv } from '../../src/store/index.js';
import { installSqliteFile } from '../../src/store/sqlite-file.js';

const CHILD = resolve(import.meta.dirname, 'support/build-child.ts');

/** quick_check's verdict and the generation marker of the file at `file`. */
function inspect(file: string): { check: string; generation: string | undefined; commissions: number } {
  const db = new BetterSqlite3(file, { fileMustExist: true });
  try {
    const check = String(db.pragma('quick_check', { simple: true }));
    const row = db.prepare(`select value_json from kv where key = 'generation'`).get() as { value_json: string } | undefined;
    const { n } = db.prepare('select count(*) as n from commissions').get() as { n: number };
    return { check, generation: row ? (JSON.parse(row.value_json) as string) : undefined, commissions: n };
  } finally {
    db.close();
  }
}

function runChild(dest: string, killAt: string): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, ['--import', 'tsx', CHILD, dest, killAt], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', rej);
    p.on('exit', (code, signal) => res({ code, signal, stderr }));
  });
}

describe('buildSqliteFile: atomic bulk loads', function () {
  this.timeout(60_000);
  let dir: string;
  let dest: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'partnergate-build-'));
    dest = join(dir, 'store.sqlite');
    await buildSqliteFile(dest, (store) => setKv(store.db, 'generation', 'old'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const killAt of ['load', 'built', 'closed'] as const) {
    it(`a loader killed with SIGKILL at "${killAt}" leaves the previous file, intact; the next build succeeds`, async () => {
      const r = await runChild(dest, killAt);
      expect(r.signal, r.stderr).to.equal('SIGKILL');
      expect(inspect(dest)).to.deep.equal({ check: 'ok', generation: 'old', commissions: 0 });
      for (const ext of ['-wal', '-shm', '-journal']) expect(existsSync(`${dest}${ext}`), ext).to.equal(false);

      const again = await runChild(dest, 'none');
      expect(again.code, again.stderr).to.equal(0);
      expect(inspect(dest)).to.deep.equal({ check: 'ok', generation: 'new', commissions: 60_000 });
      expect(existsSync(buildingPathOf(dest))).to.equal(false);
    });
  }

  it('a loader killed with SIGKILL right after the rename leaves the new file, intact', async () => {
    const r = await runChild(dest, 'installed');
    expect(r.signal, r.stderr).to.equal('SIGKILL');
    expect(inspect(dest)).to.deep.equal({ check: 'ok', generation: 'new', commissions: 60_000 });
  });

  it('removes a stale -wal of another database beside the destination instead of letting SQLite replay it into the new file', async () => {
    // Another database's WAL with committed frames, as a killed run of an earlier file of that name leaves.
    const other = new BetterSqlite3(join(dir, 'other.sqlite'));
    other.pragma('journal_mode = WAL');
    other.pragma('wal_autocheckpoint = 0');
    other.exec('create table foreign_rows (x text)');
    other.prepare('insert into foreign_rows values (?)').run('not ours');
    rmSync(dest);
    copyFileSync(join(dir, 'other.sqlite-wal'), `${dest}-wal`);
    other.close();

    await buildSqliteFile(dest, (store) => setKv(store.db, 'generation', 'new'));
    expect(inspect(dest)).to.include({ check: 'ok', generation: 'new' });
  });

  it('refuses to install a file that was not closed cleanly (a -wal beside it), leaving the destination alone', async () => {
    const built = join(dir, 'built.sqlite');
    const open = new BetterSqlite3(built);
    open.pragma('journal_mode = WAL');
    open.exec('create table t (x)');
    try {
      expect(() => installSqliteFile(built, dest)).to.throw(/not closed cleanly/);
    } finally {
      open.close();
    }
    expect(inspect(dest).generation).to.equal('old');
  });

  it('refuses to replace a destination another connection has open', async () => {
    const live = await openStore({ kind: 'sqlite', path: dest });
    try {
      expect(await getKv(live.db, 'generation')).to.equal('old');
      let message = '';
      try {
        await buildSqliteFile(dest, (store) => setKv(store.db, 'generation', 'new'));
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).to.match(/open in another process/);
      expect(await getKv(live.db, 'generation')).to.equal('old');
    } finally {
      await live.close();
    }
    expect(inspect(dest)).to.include({ check: 'ok', generation: 'old' });
    expect(existsSync(buildingPathOf(dest))).to.equal(true);
  });
});
