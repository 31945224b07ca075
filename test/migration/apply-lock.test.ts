/**
 * One `migrate ... apply` at a time, with real processes on one store (SQLite file, PostgreSQL database): a
 * second apply is refused (exit 5, a message naming the running one) while the first runs; once the first is
 * killed with SIGKILL mid-run, the next apply takes over at once and finishes; the result is the same as an
 * uninterrupted run (journal, accounts, outbox) and a drain sends every email exactly once.
 *
 * The first apply is held mid-run deterministically: the hidden `--hold-file` stops it after its first
 * credentials batch has committed and tells the test so with a marker file.
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openStore, type StoreConfig, type StoreKind } from '../../src/store/index.js';
import { startOntraportEmulator, type OntraportEmulator } from '../support/ontraport-emulator.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { createTestStore, storeKinds, type TestStore } from '../support/store.js';
import { cliEnv, duplicates, seedOntraport, stateOf } from './support/harness.js';

const CLI = resolve(import.meta.dirname, '../../src/admin/cli.ts');
const EMAILS = Array.from({ length: 12 }, (_, i) => `lock${i + 1}@example.test`);

interface Exit {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

describe('migration: one apply at a time (two real processes on one store)', function () {
  // Up to nine CLI processes per case, each compiling TypeScript on start: minutes on a loaded machine.
  this.timeout(600_000);
  let emulator: OntraportEmulator;
  let sink: SmtpSink;
  const dir = mkdtempSync(join(tmpdir(), 'pg-apply-lock-'));
  const stores: TestStore[] = [];

  before(async () => {
    emulator = await startOntraportEmulator({ rateLimit: 100_000 });
    sink = await startSmtpSink();
    seedOntraport(emulator, EMAILS.map((email) => ({ email })));
  });
  after(async () => {
    for (const s of stores) await s.dispose();
    await sink.close();
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const envFor = (config: StoreConfig) => cliEnv(config, sink.url, emulator);


  function start(config: StoreConfig, args: string[]): { child: ChildProcess; done: Promise<Exit> } {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { env: envFor(config), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const done = new Promise<Exit>((res, rej) => {
      child.once('error', rej);
      child.once('exit', (code, signal) => res({ code, signal, stdout, stderr }));
    });
    return { child, done };
  }
  const run = (config: StoreConfig, args: string[]) => start(config, args).done;

  /** Waits for the held apply's marker (or its early exit, which fails the test with what it said). */
  async function heldOrExited(file: string, first: Promise<Exit>): Promise<void> {
    let exited: Exit | undefined;
    void first.then((e) => (exited = e));
    while (!existsSync(`${file}.held`)) {
      if (exited) throw new Error(`the held apply exited before holding (${exited.code}): ${exited.stderr}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async function fresh(kind: StoreKind): Promise<TestStore> {
    const s = await createTestStore(kind);
    stores.push(s);
    return s;
  }

  for (const kind of storeKinds) {
    it(`[${kind}] a second apply is refused while one runs, and takes over after a SIGKILL; nothing sent twice, nothing lost`, async () => {
      // What an uninterrupted run leaves, to compare with.
      const reference = await fresh(kind);
      const ref = await run(reference.config, ['--json', 'migrate', 'situation-1', 'apply', '--batch-size', '3']);
      expect(ref.code, ref.stderr).to.equal(0);
      const expected = await stateOf(reference.store);

      const target = await fresh(kind);
      const hold = join(dir, `${kind}-hold`);
      const first = start(target.config, ['--json', 'migrate', 'situation-1', 'apply', '--batch-size', '3', '--hold-file', hold]);
      await heldOrExited(hold, first.done);

      // Held after its first batch: the lock is taken, part of the work is committed.
      const second = await run(target.config, ['migrate', 'situation-1', 'apply']);
      expect(second.code, second.stderr).to.equal(5);
      expect(second.stderr).to.match(/another `migrate \.\.\. apply` is running on this store/);
      const status = JSON.parse((await run(target.config, ['--json', 'migrate', 'status'])).stdout) as { applyRunning: string | null };
      expect(status.applyRunning, 'migrate status names the running apply').to.be.a('string');
      const mid = await target.store.db.selectFrom('migration_journal').select('item_key').where('step', '=', 'credentials').execute();
      expect(mid.length, 'first batch committed before the kill').to.be.within(1, EMAILS.length - 1);

      first.child.kill('SIGKILL');
      const killed = await first.done;
      expect(killed.signal).to.equal('SIGKILL');

      // Taken over at once: no waiting for a lease to expire.
      const takeover = await run(target.config, ['--json', 'migrate', 'situation-1', 'apply', '--batch-size', '3']);
      expect(takeover.code, takeover.stderr).to.equal(0);
      expect(await stateOf(target.store)).to.deep.equal(expected);
      const outbox = await target.store.db.selectFrom('email_outbox').select(['to_address', 'status']).execute();
      expect(outbox.map((o) => o.to_address).sort()).to.deep.equal([...EMAILS].sort());
      expect(new Set(outbox.map((o) => o.status))).to.deep.equal(new Set(['queued']));

      // The queued emails leave once each.
      sink.clear();
      const drain = await run(target.config, ['--json', 'mail', 'drain']);
      expect(drain.code, drain.stderr).to.equal(0);
      expect(duplicates(sink)).to.deep.equal([]);
      expect(sink.messages.map((m) => m.to[0]).sort()).to.deep.equal([...EMAILS].sort());
      const again = JSON.parse((await run(target.config, ['--json', 'mail', 'drain'])).stdout) as { send: { sent: number } };
      expect(again.send.sent).to.equal(0);
      expect(sink.messages).to.have.length(EMAILS.length);

      // After it, the lock is free: a re-run has nothing to do.
      const rerun = await run(target.config, ['--json', 'migrate', 'situation-1', 'apply']);
      expect(rerun.code, rerun.stderr).to.equal(0);
      expect(sink.messages).to.have.length(EMAILS.length);
    });
  }

  it('[sqlite] an apply whose holder is alive keeps the lock (the lease is not taken from a live process)', async function () {
    if (!storeKinds.includes('sqlite')) this.skip();
    const target = await fresh('sqlite');
    const hold = join(dir, 'sqlite-alive-hold');
    const first = start(target.config, ['--json', 'migrate', 'situation-1', 'apply', '--batch-size', '3', '--hold-file', hold]);
    await heldOrExited(hold, first.done);
    const store = await openStore(target.config);
    const lease = await store.db.selectFrom('job_leases').select(['holder']).where('name', '=', 'migration.apply').executeTakeFirst();
    await store.close();
    expect(lease?.holder).to.match(new RegExp(`:${first.child.pid}:`));
    const second = await run(target.config, ['migrate', 'situation-1', 'apply']);
    expect(second.code).to.equal(5);
    first.child.kill('SIGKILL');
    await first.done;
  });
});
