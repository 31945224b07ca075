/**
 * A real crash: `partnergate migrate situation-1 apply` in its own process, killed with SIGKILL at a random
 * moment, then run again. Whatever the moment, nobody receives two emails, the store ends as after an
 * uninterrupted run, and a message cut off mid-send (it may have arrived) is reported for an explicit resend
 * rather than sent twice. SQLite only: the point is the process dying, not the database.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli } from '../../src/admin/cli/program.js';
import { migrateToLatest, openStore, type Store } from '../../src/store/index.js';
import { startOntraportEmulator, type OntraportEmulator } from '../support/ontraport-emulator.js';
import { startKillableSink, type KillableSink } from './support/killable-sink.js';
import { captureIo } from '../admin/support/fixtures.js';
import { cliEnv, duplicates, prng, seedOntraport, stateOf } from './support/harness.js';

const CLI = resolve(import.meta.dirname, '../../src/admin/cli.ts');
const EMAILS = Array.from({ length: 12 }, (_, i) => `p${i + 1}@example.test`);

describe('migration: SIGKILL during apply, then resume', function () {
  this.timeout(120_000);
  let emulator: OntraportEmulator;
  let sink: KillableSink;
  const dir = mkdtempSync(join(tmpdir(), 'pg-sigkill-'));
  let run = 0;

  before(async () => {
    emulator = await startOntraportEmulator({ rateLimit: 100_000 });
    sink = await startKillableSink();
    seedOntraport(emulator, EMAILS.map((email, i) => ({ email, sid: i % 3 === 0 ? [`s${i}`] : [] })));
  });
  after(async () => {
    await sink.close();
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const env = (path: string) => cliEnv({ kind: 'sqlite', path }, sink.url, emulator);


  /** Runs the CLI in a child process; kills it with SIGKILL after `killAfterMs` when given. */
  function child(path: string, killAfterMs?: number | 'while-sending'): Promise<{ code: number | null; signal: string | null; ms: number }> {
    const started = Date.now();
    return new Promise((res, rej) => {
      const p = spawn(process.execPath, ['--import', 'tsx', CLI, '--json', 'migrate', 'situation-1', 'apply', '--send', '--batch-size', '3'], { env: env(path), stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      p.stderr.on('data', (d) => (stderr += d));
      let timer: NodeJS.Timeout | undefined;
      if (typeof killAfterMs === 'number') timer = setTimeout(() => p.kill('SIGKILL'), killAfterMs);
      else if (killAfterMs === 'while-sending') {
        // The second message has reached the mail server: others are in flight right now.
        const poll = () => (sink.messages.length >= 2 ? p.kill('SIGKILL') : (timer = setTimeout(poll, 2)));
        poll();
      }
      p.once('error', rej);
      p.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (killAfterMs === undefined && code !== 0) return rej(new Error(`apply exited ${code}: ${stderr}`));
        res({ code, signal, ms: Date.now() - started });
      });
    });
  }

  async function fresh(): Promise<{ path: string; store: Store }> {
    const path = join(dir, `run-${++run}.sqlite`);
    const store = await openStore({ kind: 'sqlite', path });
    await migrateToLatest(store.db, store.kind);
    return { path, store };
  }

  it('ends as an uninterrupted run, with no email twice', async () => {
    sink.clear();
    const reference = await fresh();
    const { ms } = await child(reference.path);
    const expected = await stateOf(reference.store);
    await reference.store.close();
    expect(sink.messages.map((m) => m.to[0]).sort()).to.deep.equal([...EMAILS].sort());

    const random = prng(Date.now() % 1000);
    for (const at of [Math.round(ms * (0.3 + 0.65 * random())), 'while-sending' as const]) {
      sink.clear();
      const { path, store } = await fresh();
      const killed = await child(path, at);
      const io = captureIo();
      const code = await runCli(['--json', 'migrate', 'situation-1', 'apply', '--send'], { stdout: io.stdout, stderr: io.stderr, overrides: { env: env(path), store } });
      const note = `killed ${typeof at === 'number' ? `at ${at} ms of ${ms}` : 'while sending'} (${killed.signal ?? `exit ${killed.code}`})`;
      expect(duplicates(sink), note).to.deep.equal([]);
      expect(code, `${note}: ${io.chunks.err}`).to.be.oneOf([0, 4]);
      // A row claimed for sending when the process died may or may not have reached the server: it is never sent
      // again by itself (the outbox reports it as interrupted once it is ten minutes old); all others are sent once.
      const rows = await store.db.selectFrom('email_outbox').select(['to_address', 'status']).execute();
      const limbo = rows.filter((r) => r.status !== 'sent').map((r) => r.to_address);
      for (const r of rows) expect(r.status, `${r.to_address}, ${note}`).to.be.oneOf(limbo.includes(r.to_address) ? ['sending', 'failed'] : ['sent']);
      for (const email of EMAILS) {
        const received = sink.messagesTo(email).length;
        if (limbo.includes(email)) expect(received, `${email}, ${note}`).to.be.at.most(1);
        else expect(received, `${email}, ${note}`).to.equal(1);
      }
      expect(limbo.length, note).to.be.at.most(4);
      // The resumed run names each of them (pending, with why), rather than reporting them done.
      const report = JSON.parse(io.chunks.out) as { rows: Array<{ email: string; outcome: string; reason?: string }> };
      for (const email of limbo) expect(report.rows.some((r) => r.email === email && r.outcome === 'pending' && /may have arrived/.test(r.reason ?? '')), `${email} reported, ${note}`).to.equal(true);
      if (!limbo.length) expect(await stateOf(store), note).to.deep.equal(expected);
      await store.close();
    }
  });
});
