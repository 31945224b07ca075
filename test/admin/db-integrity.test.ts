/**
 * `partnergate db check` and `db backup`: a sound store checks clean (exit 0), a damaged one is named with exit 1;
 * a backup of a live SQLite store is a checked, complete copy, never written over an existing file.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { runCli } from '../../src/admin/cli/program.js';
import { generateDemoData } from '../../src/demo/index.js';
import { buildSqliteFile } from '../../src/store/index.js';
import { forEachStore } from '../support/store.js';
import { damageTable } from '../store/support/damage.js';
import { captureIo } from './support/fixtures.js';

async function cli(env: Record<string, string>, ...args: string[]) {
  const io = captureIo();
  const code = await runCli(args, { stdout: io.stdout, stderr: io.stderr, overrides: { env: { PARTNERGATE_ENV: 'test', PARTNERGATE_LOG_LEVEL: 'silent', ...env } } });
  return { code, out: io.chunks.out, err: io.chunks.err, json: () => JSON.parse(io.chunks.out) };
}

describe('admin CLI: db check and db backup [sqlite file]', function () {
  this.timeout(60_000);
  let dir: string;
  let file: string;
  let env: Record<string, string>;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pg-db-check-'));
    file = join(dir, 'store.sqlite');
    env = { PARTNERGATE_SQLITE_PATH: file };
    await buildSqliteFile(file, (store) => generateDemoData(store, { seed: 3, partners: 30, commissions: 2_000 }));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('db check: a sound store is ok (exit 0), in words and in JSON', async () => {
    const human = await cli(env, 'db', 'check');
    expect(human.code, human.err).to.equal(0);
    expect(human.out).to.contain('store check (sqlite): ok');
    const json = await cli(env, '--json', 'db', 'check');
    expect(json.code).to.equal(0);
    expect(json.json()).to.deep.equal({ ok: true, kind: 'sqlite', checks: [{ name: 'quick_check', problems: [] }] });
  });

  it('db check: a damaged b-tree page is reported with exit 1 (quick_check and --full integrity_check)', async () => {
    damageTable(file, 'commissions');
    const json = await cli(env, '--json', 'db', 'check');
    expect(json.code).to.equal(1);
    const report = json.json();
    expect(report.ok).to.equal(false);
    expect(report.checks[0].problems.length).to.be.greaterThan(0);
    const human = await cli(env, 'db', 'check', '--full');
    expect(human.code).to.equal(1);
    expect(human.out).to.contain('integrity_check:').and.contain('PROBLEMS FOUND').and.contain('restore the last good backup');
  });

  it('db backup FILE: a checked copy with every row, refused over an existing file (exit 2 naming the field)', async () => {
    const backup = join(dir, 'backup.sqlite');
    const live = new BetterSqlite3(file);
    try {
      // A reader and an uncheckpointed write in the live file while the copy is taken.
      live.prepare(`insert into kv (key, value_json, updated_at) values ('marker', '"before backup"', 1)`).run();
      const r = await cli(env, '--json', 'db', 'backup', backup);
      expect(r.code, r.err).to.equal(0);
      expect(r.json()).to.include({ ok: true, file: backup });
    } finally {
      live.close();
    }
    const copy = new BetterSqlite3(backup, { readonly: true });
    try {
      expect(copy.pragma('quick_check', { simple: true })).to.equal('ok');
      expect((copy.prepare('select count(*) as n from commissions').get() as { n: number }).n).to.equal(2_000);
      expect((copy.prepare(`select value_json from kv where key = 'marker'`).get() as { value_json: string }).value_json).to.equal('"before backup"');
    } finally {
      copy.close();
    }
    const again = await cli(env, '--json', 'db', 'backup', backup);
    expect(again.code).to.equal(2);
    expect(again.json().error).to.include({ field: 'file' });
  });
});

forEachStore('admin CLI: db check', (ctx) => {
  it('checks the store and exits 0; db backup on PostgreSQL names pg_dump instead (exit 2)', async function () {
    const io = captureIo();
    const code = await runCli(['--json', 'db', 'check'], { stdout: io.stdout, stderr: io.stderr, overrides: { env: { PARTNERGATE_ENV: 'test', PARTNERGATE_LOG_LEVEL: 'silent', ...(ctx.kind === 'postgres' ? { DATABASE_URL: (ctx.config as { url: string }).url } : {}) }, store: ctx.store } });
    expect(code, io.chunks.err).to.equal(0);
    expect(JSON.parse(io.chunks.out)).to.include({ ok: true, kind: ctx.kind });
    if (ctx.kind !== 'postgres') return;
    const b = captureIo();
    const bcode = await runCli(['db', 'backup', '/tmp/never-written.dump'], { stdout: b.stdout, stderr: b.stderr, overrides: { env: { PARTNERGATE_ENV: 'test', PARTNERGATE_LOG_LEVEL: 'silent', DATABASE_URL: (ctx.config as { url: string }).url }, store: ctx.store } });
    expect(bcode).to.equal(2);
    expect(b.chunks.err).to.contain('pg_dump --format=custom');
  });
});
