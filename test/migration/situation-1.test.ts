/**
 * Situation 1 end to end: partners imported from the Ontraport emulator, the partner center configured,
 * credentials emailed over real SMTP, verify per partner; bad rows reported; a crash injected at random points of
 * apply, then a resume, ends in the same state as an uninterrupted run with no email sent twice.
 */
import { expect } from 'chai';
import { runCli } from '../../src/admin/cli/program.js';
import { situations, SimulatedCrash } from '../../migration/index.js';
import { startOntraportEmulator, type OntraportEmulator } from '../support/ontraport-emulator.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { forEachStore } from '../support/store.js';
import { captureIo, clearAll } from '../admin/support/fixtures.js';
import { duplicates, migrationConfig, migrationDeps, prng, seedOntraport, stateOf } from './support/harness.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const GOOD = ['ann@example.test', 'bob@example.test', 'cy@example.test', 'dee@example.test', 'eve@example.test'];

forEachStore('migration situation-1 (from scratch)', (ctx) => {
  let emulator: OntraportEmulator;
  let sink: SmtpSink;
  let ids: Map<string, number>;

  before(async () => {
    emulator = await startOntraportEmulator({ rateLimit: 100_000 });
    sink = await startSmtpSink();
    ids = seedOntraport(emulator, [
      { email: GOOD[0], paypal: 'ann.pay@example.test', sid: ['spring', 'fb'] },
      { email: GOOD[1], paypal: null, sid: ['tw'] },
      { email: GOOD[2], paypal: 'cy.pay@example.test' },
      { email: GOOD[3] },
      { email: GOOD[4], sid: ['news'] },
      { email: 'not-an-email' },
      { email: 'bad@@example.test' },
      { email: 'twin@example.test' },
      { email: 'TWIN@example.test' },
      { email: 'former@example.test', status: '0' },
    ]);
  });
  after(async () => {
    await sink.close();
    await emulator.stop();
  });
  beforeEach(async () => {
    await clearAll(ctx.store);
    sink.clear();
  });

  async function cli(...args: string[]) {
    const io = captureIo();
    const config = migrationConfig(emulator, sink);
    const env: Record<string, string> = {
      PARTNERGATE_ENV: 'test', PARTNERGATE_LOG_LEVEL: 'silent', PARTNERGATE_PUBLIC_URL: config.publicUrl, PARTNERGATE_BRAND_NAME: 'Acme Partners', PARTNERGATE_SMTP_URL: sink.url,
      PARTNERGATE_ONTRAPORT_BASE_URL: emulator.baseUrl, PARTNERGATE_ONTRAPORT_APP_ID: emulator.appId, PARTNERGATE_ONTRAPORT_API_KEY: emulator.apiKey, PARTNERGATE_ONTRAPORT_RATE_PER_MINUTE: '100000',
    };
    const code = await runCli(args, { stdout: io.stdout, stderr: io.stderr, overrides: { env, store: ctx.store } });
    return { code, out: io.chunks.out, err: io.chunks.err, json: () => JSON.parse(io.chunks.out) };
  }

  it('plan, apply, verify through the CLI: every good partner gets one email, bad rows are reported, a re-run sends nothing', async () => {
    const plan = await cli('--json', 'migrate', 'situation-1', 'plan');
    expect(plan.code, plan.err).to.equal(0);
    expect(plan.json().blockers).to.deep.equal([]);
    expect(plan.json().steps.map((s: { step: string }) => s.step)).to.deep.equal(['import-partners', 'partner-center', 'sub-ids', 'credentials']);

    const apply = await cli('--json', 'migrate', 'situation-1', 'apply', '--send');
    expect(apply.code, apply.err).to.equal(4);
    const report = apply.json();
    expect(report.steps.map((s: { step: string; status: string }) => `${s.step}:${s.status}`)).to.deep.equal(['import-partners:done', 'partner-center:done', 'sub-ids:done', 'credentials:done', 'send:done']);
    const reasons = report.rows.map((r: { email: string; reason: string }) => `${r.email}: ${r.reason}`);
    expect(reasons).to.include('bad@@example.test: email "bad@@example.test" is not an address (needs exactly one @ with a name before it)');
    expect(report.rows.map((r: { source?: string; reason: string }) => `${r.source}: ${r.reason}`)).to.include(`Ontraport contact #${ids.get('not-an-email')}: not imported: email "not-an-email" is not an email address`);
    expect(reasons.filter((r: string) => r.includes('is shared with partner'))).to.have.length(2);
    expect(reasons.some((r: string) => r.startsWith('former@example.test: partner is inactive'))).to.equal(true);
    expect(sink.messages.map((m) => m.to[0]).sort()).to.deep.equal([...GOOD].sort());
    expect(sink.messages[0].subject).to.equal('Acme Partners: your sign-in for the new partner center');

    const subIds = await ctx.store.db.selectFrom('partner_sub_ids').select('sub_id').execute();
    expect(subIds.map((s) => s.sub_id).sort()).to.deep.equal(['fb', 'news', 'spring', 'tw']);
    const setup = await ctx.store.db.selectFrom('kv').select('value_json').where('key', '=', 'partner_center.setup').executeTakeFirstOrThrow();
    expect(JSON.parse(setup.value_json)).to.include({ accessPrograms: 'any' });

    const verify = await cli('--json', 'migrate', 'situation-1', 'verify');
    expect(verify.code, verify.out).to.equal(4);
    const v = verify.json();
    expect(v.counts).to.include({ active: 8, inactive: 1, signInReady: 5, withPaypal: 2 });
    expect(v.partners.map((p: { email: string; problems: string[] }) => `${p.email}: ${p.problems.join('; ')}`).sort()).to.deep.equal([
      'TWIN@example.test: no account', 'bad@@example.test: no account', 'twin@example.test: no account',
    ]);

    const again = await cli('--json', 'migrate', 'situation-1', 'apply', '--send');
    expect(again.json().steps.filter((s: { status: string }) => s.status === 'earlier').map((s: { step: string }) => s.step)).to.deep.equal(['import-partners', 'partner-center', 'sub-ids']);
    expect(sink.messages).to.have.length(GOOD.length);
    expect(duplicates(sink)).to.deep.equal([]);
  });

  it('an SMTP server refusing a recipient is reported; the next apply sends only that one', async () => {
    sink.refuseRecipients(/^cy@example\.test$/);
    try {
      const first = await cli('--json', 'migrate', 'situation-1', 'apply', '--send');
      expect(first.code).to.equal(4);
      const refused = first.json().rows.filter((r: { reason: string }) => r.reason.startsWith('SMTP refused'));
      expect(refused.map((r: { email: string; partnerId: number }) => r.email)).to.deep.equal(['cy@example.test']);
      expect(sink.messages.map((m) => m.to[0]).sort()).to.deep.equal(GOOD.filter((e) => e !== 'cy@example.test').sort());
    } finally {
      sink.refuseRecipients(null);
    }
    const second = await cli('--json', 'migrate', 'situation-1', 'apply', '--send');
    const cy = second.json().rows.find((r: { email: string }) => r.email === 'cy@example.test');
    expect(cy, 'cy is no longer a problem').to.equal(undefined);
    expect(sink.messages.map((m) => m.to[0]).sort()).to.deep.equal([...GOOD].sort());
    expect(duplicates(sink)).to.deep.equal([]);
    const verify = await cli('--json', 'migrate', 'situation-1', 'verify');
    expect(verify.json().counts.signInReady).to.equal(GOOD.length);
  });

  it('a CSV partner list limits who gets credentials and reports its bad lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pg-s1-'));
    const file = join(dir, 'partners.csv');
    writeFileSync(file, `email,contact_id\n${GOOD[0]},\n,${ids.get(GOOD[1])}\n${GOOD[0]},\nnobody@example.test,\nnot@,\n`);
    const apply = await cli('--json', 'migrate', 'situation-1', 'apply', '--send', '--csv', file);
    expect(apply.code).to.equal(4);
    expect(sink.messages.map((m) => m.to[0]).sort()).to.deep.equal([GOOD[0], GOOD[1]]);
    const reasons = apply.json().rows.map((r: { source?: string; reason: string }) => `${r.source}: ${r.reason}`);
    expect(reasons).to.include(`${file} line 4: duplicate: email ${GOOD[0]} is already on line 2`);
    expect(reasons).to.include(`${file} line 5: no partner with email nobody@example.test in Ontraport (synced partners)`);
  });

  it('a crash at random points of apply, then a resume, ends as an uninterrupted run, with no email sent twice', async function () {
    this.timeout(120_000);
    const config = migrationConfig(emulator, sink);
    const run = async (crashAfterWrites?: number) => {
      const deps = migrationDeps(ctx.store, config);
      try {
        return await situations['situation-1'].apply(deps, { batchSize: 2, crashAfterWrites });
      } finally {
        deps.close();
      }
    };
    const reference = await run();
    const expected = await stateOf(ctx.store);
    const messages = sink.messages.length;
    expect(messages).to.equal(GOOD.length);
    const total = reference.checkpoints;
    expect(total).to.be.greaterThan(10);

    const random = prng(ctx.kind === 'sqlite' ? 9 : 11);
    const points = new Set([1, total, ...Array.from({ length: ctx.kind === 'sqlite' ? 4 : 2 }, () => 1 + Math.floor(random() * total))]);
    for (const point of points) {
      await clearAll(ctx.store);
      sink.clear();
      let crashed: unknown;
      try {
        await run(point);
      } catch (err) {
        crashed = err;
      }
      if (point <= total) expect(crashed, `crash at ${point}`).to.be.instanceOf(SimulatedCrash);
      // Sometimes crash again during the resume, then finish.
      if (point % 2 === 0) await run(1 + Math.floor(random() * 5)).catch((err) => expect(err).to.be.instanceOf(SimulatedCrash));
      await run();
      expect(await stateOf(ctx.store), `state after a crash at checkpoint ${point} of ${total}`).to.deep.equal(expected);
      expect(duplicates(sink), `duplicates after a crash at ${point}`).to.deep.equal([]);
      expect(sink.messages, `messages after a crash at ${point}`).to.have.length(messages);
    }
  });
});
