/**
 * Fault: a crash (SIGKILL of the process doing the work) during a migration apply and during an Ontraport sync,
 * then a resume. The work runs in a child process (crash-child.ts) on a store the test also opens:
 * - migration: the child freezes at one of the migration's own crash points (inside a batch transaction, between
 *   batches, before sending), the test SIGKILLs it, a resume finishes the job: the state equals an uninterrupted
 *   run (compared by natural keys), no email was sent twice and none is missing. One more kill lands at a moment
 *   chosen by the mail server (during sending): then only the messages in flight (at most one per sender) are
 *   left unsent; the resumed run reports them and the outbox later flags them "interrupted" for an explicit
 *   resend (the outbox delivers at most once, by design); none is ever sent twice.
 * - sync: the child is killed while it pages through commissions; the dead runner's lease blocks a second runner
 *   until it expires; the resumed run ends with the store equal to Ontraport and to an uninterrupted run, with
 *   no record stored twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { loadConfig } from '../../src/config/index.js';
import { sql } from 'kysely';
import { createLogger } from '../../src/common/logger.js';
import { createMailTransport, processEmailOutbox } from '../../src/mail/index.js';
import { createViews } from '../../src/views/index.js';
import { runSync } from '../../src/ontraport/index.js';
import { CrashPlan, situations } from '../../migration/index.js';
import { clearAll } from '../admin/support/fixtures.js';
import { duplicates, migrationConfig, migrationDeps, seedOntraport, stateOf } from '../migration/support/harness.js';
import { expectedSnapshot, storeSnapshot } from '../ontraport/sync-oracle.js';
import { clientFor } from '../ontraport/support.js';
import { startOntraportEmulator, type OntraportEmulator } from '../support/ontraport-emulator.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { clearTables, createTestStore, forEachStore } from '../support/store.js';
import { expectAllHeld, type CaseResult } from './support.js';

const CLASS = 'faults: crash (SIGKILL) and resume';
const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const PARTNERS = ['ann@example.test', 'bob@example.test', 'cy@example.test', 'dee@example.test', 'eve@example.test', 'fay@example.test', 'gus@example.test'];

interface Child {
  child: ChildProcess;
  stderr(): string;
  /** Resolves with the first stderr line starting with `prefix`. */
  line(prefix: string): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startChild(job: Record<string, unknown>): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], { cwd: REPO, env: { ...process.env, ADVERSARIAL_CRASH_JOB: JSON.stringify(job) }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const waiters: Array<{ prefix: string; resolve: (l: string) => void; reject: (e: Error) => void }> = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    for (const w of [...waiters]) {
      const l = err.split('\n').find((x) => x.startsWith(w.prefix));
      if (l) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(l);
      }
    }
  });
  void exited.then(() => {
    for (const w of waiters.splice(0)) w.reject(new Error(`child exited before "${w.prefix}": ${err.slice(-2000)}`));
  });
  return {
    child,
    stderr: () => err,
    exited,
    line: (prefix) => new Promise((resolve, reject) => waiters.push({ prefix, resolve, reject })),
  };
}

forEachStore('adversarial faults: SIGKILL during a migration apply, then resume', (ctx) => {
  let emulator: OntraportEmulator;
  let sink: SmtpSink;
  let expected: Record<string, unknown>;
  let expectedMessages: number;
  let labels: string[];

  const apply = async () => {
    const deps = migrationDeps(ctx.store, migrationConfig(emulator, sink));
    try {
      return await situations['situation-1'].apply(deps, { batchSize: 2 });
    } finally {
      deps.close();
    }
  };
  const job = (freezeAt?: number) => ({ kind: 'migration', store: ctx.config, emulator: { baseUrl: emulator.baseUrl, appId: emulator.appId, apiKey: emulator.apiKey }, smtpUrl: sink.url, freezeAt });

  before(async function () {
    this.timeout(60_000);
    emulator = await startOntraportEmulator({ rateLimit: 100_000 });
    sink = await startSmtpSink();
    seedOntraport(emulator, PARTNERS.map((email, i) => ({ email, paypal: i % 2 ? `${email}.pay@example.test` : null, sid: i % 3 ? [`s${i}`] : [] })));
    // The uninterrupted run, with the label of every crash point on the way.
    await clearAll(ctx.store);
    labels = [];
    const original = CrashPlan.prototype.hit;
    CrashPlan.prototype.hit = function (this: CrashPlan, label: string) {
      labels.push(label);
      return original.call(this, label);
    };
    try {
      await apply();
    } finally {
      CrashPlan.prototype.hit = original;
    }
    expected = await stateOf(ctx.store);
    expectedMessages = sink.messages.length;
    expect(expectedMessages).to.equal(PARTNERS.length);
  });
  after(async () => {
    await sink?.close();
    await emulator?.stop();
  });

  it('killed at the migration\'s own crash points (inside a batch, between batches, before sending): the resume ends as an uninterrupted run', async function () {
    this.timeout(120_000);
    const pick = (pattern: RegExp) => labels.findIndex((l) => pattern.test(l)) + 1;
    // Inside a batch transaction (the item's journal row), after a batch commits, and just before sending.
    const points = [...new Set([pick(/^credentials\/partner:/), pick(/^credentials:batch-committed$/), pick(/^send:start$/)].filter((p) => p > 0))];
    expect(points.length, labels.join(', ')).to.equal(3);
    // Each kill costs a child process start (seconds): SQLite gets the transaction and the send point, PostgreSQL the transaction.
    const chosen = ctx.kind === 'sqlite' ? [points[0]!, points[2]!] : [points[0]!];
    const results: CaseResult[] = [];
    for (const point of chosen) {
      await clearAll(ctx.store);
      sink.clear();
      const c = startChild(job(point));
      const frozen = await c.line('ADVERSARIAL-FROZEN');
      c.child.kill('SIGKILL');
      const exit = await c.exited;
      const sentBeforeKill = sink.messages.length;
      await apply();
      const state = await stateOf(ctx.store);
      const name = `migration killed at checkpoint ${point} (${labels[point - 1]}) [${ctx.kind}]`;
      results.push(
        { name: `${name}: really killed`, held: exit.signal === 'SIGKILL' && frozen.includes(String(point)), why: JSON.stringify(exit) },
        { name: `${name}: state equals the uninterrupted run`, held: JSON.stringify(state) === JSON.stringify(expected), why: 'state differs' },
        { name: `${name}: no email twice`, held: duplicates(sink).length === 0, why: duplicates(sink).join(', ') },
        { name: `${name}: no email missing`, held: sink.messages.length === expectedMessages, why: `${sink.messages.length} of ${expectedMessages} (${sentBeforeKill} before the kill)` },
      );
    }
    expectAllHeld(CLASS, results);
  });

  if (ctx.kind === 'sqlite') {
    it('killed at a moment the mail server chooses (while sending): only the messages in flight are left, reported and later flagged "interrupted"; none sent twice', async function () {
      this.timeout(120_000);
      await clearAll(ctx.store);
      sink.clear();
      const c = startChild(job());
      // The second message has been accepted by the mail server: kill the sender right now.
      await sink.waitForMessage(PARTNERS[0]!, { timeoutMs: 60_000 }).catch(() => undefined);
      await new Promise<void>((resolve) => {
        const check = () => (sink.messages.length >= 2 || c.child.exitCode !== null ? resolve() : setTimeout(check, 5));
        check();
      });
      c.child.kill('SIGKILL');
      await c.exited;
      const report = await apply();
      const outbox = await ctx.store.db.selectFrom('email_outbox').select(['to_address', 'status', 'last_error']).execute();
      const notSent = outbox.filter((o) => o.status !== 'sent');
      const received = new Set(sink.messages.flatMap((m) => m.to));
      // Ten minutes on, the outbox flags what a crash left mid-send as interrupted, and still sends nothing twice.
      const later = await processEmailOutbox({ db: ctx.store.db, keys: loadConfig({ PARTNERGATE_ENV: 'test' }).dataKeys, transport: createMailTransport({ smtpUrl: sink.url, from: 'x <x@example.test>', logger: createLogger('silent') }), views: createViews({ brand: { name: 'x', primaryColor: '#000000' } }), logger: createLogger('silent') }, { now: () => Date.now() + 11 * 60_000 });
      const flagged = await ctx.store.db.selectFrom('email_outbox').select(['to_address', 'status', 'last_error']).where('status', '!=', 'sent').execute();
      expectAllHeld(CLASS, [
        { name: 'kill while sending: no email twice', held: duplicates(sink).length === 0, why: duplicates(sink).join(', ') },
        { name: 'kill while sending: every partner has its row', held: outbox.length === PARTNERS.length, why: `${outbox.length} rows` },
        { name: 'kill while sending: only the messages in flight (at most the 4 senders) are left unsent', held: notSent.length <= 4 && notSent.every((o) => o.status === 'sending'), why: JSON.stringify(notSent) },
        {
          name: 'kill while sending: the resumed run reports them (pending or interrupted), not "done"',
          held: notSent.every((o) => report.rows.some((r) => r.email === o.to_address && (r.outcome === 'pending' || r.outcome === 'failed'))) || Number(report.steps.find((st) => st.step === 'send')?.counts?.interrupted ?? 0) >= notSent.length,
          why: `${notSent.length} unsent; report rows ${JSON.stringify(report.rows.map((r) => `${r.email}:${r.outcome}`))}; send step: ${report.steps.find((st) => st.step === 'send')?.summary}`,
        },
        { name: 'kill while sending: every other partner received exactly one message', held: outbox.filter((o) => o.status === 'sent').every((o) => received.has(o.to_address)), why: [...received].join(', ') },
        { name: 'kill while sending: later flagged "interrupted" (for an explicit resend), never resent', held: later.interrupted === notSent.length && later.sent === 0 && flagged.every((o) => o.status === 'failed' && /interrupted/.test(o.last_error ?? '')) && duplicates(sink).length === 0, why: JSON.stringify(later) },
      ]);
    });
  }
});

forEachStore('adversarial faults: SIGKILL during an Ontraport sync, then resume', (ctx) => {
  it('killed while paging commissions: the lease blocks a second runner until it expires; the resumed run equals an uninterrupted one', async function () {
    this.timeout(120_000);
    await clearTables(ctx.store);
    const emu = await startOntraportEmulator({ rateLimit: 100_000, rateWindowMs: 1000 });
    try {
      emu.seed({ programs: 2, partners: 8, contacts: 80, products: 3, purchases: 160, clawbacks: 2, openOrders: 6, promoTools: 3 });
      const c = startChild({ kind: 'sync', store: ctx.config, emulator: { baseUrl: emu.baseUrl, appId: emu.appId, apiKey: emu.apiKey }, leaseTtlMs: 1500 });
      // Killed as the second page of commissions is answered: the child is somewhere in its page transaction.
      let pages = 0;
      const stop = emu.onRequest((e) => {
        if (e.path === '/objects' && e.objectId === 38 && ++pages === 2) c.child.kill('SIGKILL');
      });
      const exit = await c.exited;
      stop();
      const logger = createLogger('silent');
      const results: CaseResult[] = [{ name: `sync killed mid-commissions [${ctx.kind}]`, held: exit.signal === 'SIGKILL', why: `${JSON.stringify(exit)} ${c.stderr().slice(-300)}` }];
      // Another runner right away: the dead one's lease still stands.
      let conflict = '';
      try {
        await runSync({ store: ctx.store, client: clientFor(emu), logger }, { full: true, leaseTtlMs: 60_000 });
      } catch (err) {
        conflict = (err as { code?: string }).code ?? (err as Error).message;
      }
      results.push({ name: `sync: a second runner is refused while the dead one's lease stands [${ctx.kind}]`, held: conflict === 'conflict', why: conflict || 'it ran' });
      // Once the lease has expired (1.5 s), the resume.
      let summary;
      for (let i = 0; i < 40 && !summary; i++) {
        try {
          summary = await runSync({ store: ctx.store, client: clientFor(emu), logger }, { full: true });
        } catch (err) {
          if ((err as { code?: string }).code !== 'conflict') throw err;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
      const resumed = summary?.objects.find((o) => o.object === 'commissions');
      results.push({ name: `sync: resumed after the lease expired [${ctx.kind}]`, held: summary?.ok === true && resumed?.resumed === true, why: JSON.stringify(resumed ?? summary) });
      const after = await storeSnapshot(ctx.store.db);
      results.push({ name: `sync: the store equals Ontraport after the resume [${ctx.kind}]`, held: JSON.stringify(after) === JSON.stringify(expectedSnapshot(emu)), why: 'snapshot differs' });
      // The same sync without a crash, into a fresh store: the same rows.
      const fresh = await createTestStore(ctx.kind);
      try {
        expect((await runSync({ store: fresh.store, client: clientFor(emu), logger }, { full: true })).ok).to.equal(true);
        results.push({ name: `sync: equals an uninterrupted run [${ctx.kind}]`, held: JSON.stringify(after) === JSON.stringify(await storeSnapshot(fresh.store.db)), why: 'differs from the uninterrupted run' });
      } finally {
        await fresh.dispose();
      }
      const dup = await sql<{ n: number }>`select count(*) as n from (select ontraport_id from commissions where ontraport_id is not null group by ontraport_id having count(*) > 1) d`.execute(ctx.store.db);
      results.push({ name: `sync: no commission stored twice [${ctx.kind}]`, held: Number(dup.rows[0]!.n) === 0, why: `${dup.rows[0]!.n} duplicated` });
      expectAllHeld(CLASS, results);
    } finally {
      await emu.stop();
    }
  });
});
