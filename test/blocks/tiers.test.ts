/**
 * Tier automation on both stores: a dry run writes nothing; a run moves exactly the partners whose earned total
 * (computed in JS from the rows) reaches the threshold, with one tier_upgrades row, one audit_log row, one
 * Ontraport outbox row and one `tier-upgrade` email each; a second run changes nothing; a sync that brings back
 * the old program before the write-back went out is undone; an administrator's demotion after it is respected.
 */
import { expect } from 'chai';
import { loadConfig } from '../../src/config/index.js';
import { afterSync, evaluateTiers, nextTierRequirement, parseBlocksConfig } from '../../src/blocks/index.js';
import { createLogger } from '../../src/common/index.js';
import { processEmailOutbox, type MailTransport } from '../../src/mail/index.js';
import { createViews } from '../../src/views/index.js';
import { forEachStore } from '../support/store.js';
import { NOW, clearBlocksTables, expected, seedBlocksFixture, type Fixture } from './fixture.js';

const THRESHOLD = 1_000_000;

forEachStore('blocks: tier rules', (ctx) => {
  let fx: Fixture;
  const deps = () => ({ store: ctx.store, now: () => NOW, config: { defaultTimeZone: 'UTC', publicUrl: 'https://partners.example.com' } });
  const counts = async () => ({
    audit: Number((await ctx.store.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n),
    outbox: Number((await ctx.store.db.selectFrom('ontraport_outbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n),
    emails: Number((await ctx.store.db.selectFrom('email_outbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n),
    upgrades: Number((await ctx.store.db.selectFrom('tier_upgrades').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n),
  });
  const programOf = async (partnerId: number) => (await ctx.store.db.selectFrom('partners').select('program_id').where('id', '=', partnerId).executeTakeFirstOrThrow()).program_id;
  /** Entry-level partners whose earned total reaches $10,000: who the preset rule must move. */
  const movers = () => fx.partners.filter((p) => p.programId === fx.programs.affiliate && expected.earnedTotal(fx.commissions, p.id) >= THRESHOLD);

  describe('the shipped rule (earned >= $10,000 moves the entry level to the next)', () => {
    before(async () => {
      await clearBlocksTables(ctx.store);
      fx = await seedBlocksFixture(ctx.store);
    });

    it('plans the moves in a dry run without writing anything', async () => {
      expect(movers().map((p) => p.firstName)).to.include('Gina');
      const result = await evaluateTiers(deps(), { dryRun: true });
      expect(result.changes.map((c) => c.partnerId).sort()).to.deep.equal(movers().map((p) => p.id).sort());
      expect(result.changes.every((c) => c.from.programId === fx.programs.affiliate && c.to.programId === fx.programs.silver)).to.equal(true);
      expect(await counts()).to.deep.equal({ audit: 0, outbox: 0, emails: 0, upgrades: 0 });
      for (const p of movers()) expect(await programOf(p.id)).to.equal(fx.programs.affiliate);
    });

    it('moves them with an audit row, an Ontraport write-back and one email each', async () => {
      const result = await evaluateTiers(deps());
      const ids = movers().map((p) => p.id).sort();
      expect(result.changes.map((c) => c.partnerId).sort()).to.deep.equal(ids);
      for (const p of movers()) {
        expect(await programOf(p.id)).to.equal(fx.programs.silver);
        const audit = await ctx.store.db.selectFrom('audit_log').selectAll().where('partner_id', '=', p.id).execute();
        expect(audit).to.have.length(1);
        expect(audit[0]!.action).to.equal('tier.upgrade');
        expect(JSON.parse(audit[0]!.details_json!)).to.deep.include({ rule: 'earned_10000_next_level', value: expected.earnedTotal(fx.commissions, p.id), threshold: THRESHOLD, writeBack: 'queued', email: 'queued' });
        const outbox = await ctx.store.db.selectFrom('ontraport_outbox').selectAll().where('record_id', '=', p.contactOntraportId).execute();
        expect(outbox.map((o) => ({ type: o.object_type, fields: JSON.parse(o.fields_json), status: o.status }))).to.deep.equal([{ type: 0, fields: { program_id: fx.programOntraportIds.silver }, status: 'queued' }]);
        const emails = await ctx.store.db.selectFrom('email_outbox').selectAll().where('to_address', '=', p.email).execute();
        expect(emails.map((e) => [e.template, e.idempotency_key])).to.deep.equal([['tier-upgrade', `tier-upgrade:partner:${p.id}:level:${fx.programs.silver}`]]);
      }
      // Hank already is on Silver with as much: no rule moves partners from level 2.
      const hank = fx.partners.find((p) => p.firstName === 'Hank')!;
      expect(await programOf(hank.id)).to.equal(fx.programs.silver);
      expect(await counts()).to.deep.equal({ audit: ids.length, outbox: ids.length, emails: ids.length, upgrades: ids.length });
    });

    it('changes nothing when run again', async () => {
      const before = await counts();
      const result = await evaluateTiers(deps());
      expect(result.changes).to.deep.equal([]);
      expect(result.skipped).to.deep.equal([]);
      expect(await counts()).to.deep.equal(before);
    });

    it('renders the tier-upgrade email', async () => {
      const sent: Array<{ to: string; subject: string; text: string }> = [];
      const transport: MailTransport = { fromDomain: 'example.com', async send(m) { sent.push(m); return { messageId: m.messageId }; }, close() {} };
      const views = createViews({ brand: { name: 'Acme Partners', primaryColor: '#1d4ed8' } });
      await processEmailOutbox({ db: ctx.store.db, keys: loadConfig({ PARTNERGATE_ENV: 'test' }).dataKeys, transport, views, logger: createLogger('silent') }, { now: () => NOW });
      const gina = fx.partners.find((p) => p.firstName === 'Gina')!;
      const mail = sent.find((m) => m.to === gina.email)!;
      expect(mail.subject).to.equal('You have moved up to Silver Partner at Acme Partners');
      expect(mail.text).to.include('Hello Gina').and.to.include('previously Affiliate').and.to.include('https://partners.example.com/partner-center/');
      expect(sent).to.have.length(movers().length);
    });

    it('moves a partner back up, silently, when a sync brought back the old program before the write-back was sent', async () => {
      const gina = fx.partners.find((p) => p.firstName === 'Gina')!;
      await ctx.store.db.updateTable('partners').set({ program_id: fx.programs.affiliate }).where('id', '=', gina.id).execute();
      const before = await counts();
      const result = await evaluateTiers(deps(), { partnerIds: [gina.id] });
      expect(result.changes.map((c) => [c.partnerId, c.reapplied])).to.deep.equal([[gina.id, true]]);
      expect(await programOf(gina.id)).to.equal(fx.programs.silver);
      expect(await counts()).to.deep.equal({ ...before, audit: before.audit + 1 });
      const last = await ctx.store.db.selectFrom('audit_log').select('action').where('partner_id', '=', gina.id).orderBy('id', 'desc').executeTakeFirstOrThrow();
      expect(last.action).to.equal('tier.reapplied');
    });

    it('leaves a partner an administrator moved back down after the write-back went out', async () => {
      const gina = fx.partners.find((p) => p.firstName === 'Gina')!;
      await ctx.store.db.updateTable('ontraport_outbox').set({ status: 'done', done_at: NOW }).where('record_id', '=', gina.contactOntraportId).execute();
      await ctx.store.db.updateTable('partners').set({ program_id: fx.programs.affiliate }).where('id', '=', gina.id).execute();
      const before = await counts();
      const result = await evaluateTiers(deps(), { partnerIds: [gina.id] });
      expect(result.changes).to.deep.equal([]);
      expect(result.skipped.map((s) => s.partnerId)).to.deep.equal([gina.id]);
      expect(await programOf(gina.id)).to.equal(fx.programs.affiliate);
      expect(await counts()).to.deep.equal(before);
    });

    it('tells the dashboard what the next level needs', async () => {
      const blocks = parseBlocksConfig({}, 'presets');
      const below = fx.partners.find((p) => p.programId === fx.programs.affiliate && !movers().includes(p))!;
      const need = await nextTierRequirement(ctx.store.db, below.id, { blocks, now: NOW, timeZone: 'UTC' });
      const earned = expected.earnedTotal(fx.commissions, below.id);
      expect(need).to.deep.include({ tierGroup: 'main', rule: 'earned_10000_next_level', unit: 'money', requiredValue: THRESHOLD, currentValue: earned, remainingValue: THRESHOLD - earned, currency: 'USD' });
      expect(need!.next).to.deep.equal({ programId: fx.programs.silver, programName: 'Silver Partner', level: 2 });
      const hank = fx.partners.find((p) => p.firstName === 'Hank')!;
      expect(await nextTierRequirement(ctx.store.db, hank.id, { blocks })).to.equal(null); // no rule from level 2
      const omar = fx.partners.find((p) => p.firstName === 'Omar')!;
      expect(await nextTierRequirement(ctx.store.db, omar.id, { blocks })).to.equal(null); // not on a ladder
    });
  });

  describe('rules over several levels', () => {
    const blocks = parseBlocksConfig(
      {
        presets: false,
        rollups: { earned: { source: 'commissions', aggregate: 'sum', where: [{ field: 'kind', op: 'in', value: ['sale', 'clawback'] }, { field: 'status', op: 'in', value: ['approved', 'paid'] }] } },
        tiers: {
          silver: { rollup: 'earned', value: 1_000_000, fromLevels: [1] },
          gold: { rollup: 'earned', op: 'gt', value: 1_100_000, fromLevels: [2] },
        },
      },
      'tiers.test',
    );
    before(async () => {
      await clearBlocksTables(ctx.store);
      fx = await seedBlocksFixture(ctx.store);
    });

    it('moves a partner as far up as the rules allow in one run, then changes nothing (also through afterSync)', async () => {
      const gina = fx.partners.find((p) => p.firstName === 'Gina')!;
      const hank = fx.partners.find((p) => p.firstName === 'Hank')!;
      const first = await afterSync(deps(), { partnerIds: [gina.id, hank.id], blocks });
      expect(first.tiers.changes.map((c) => [c.partnerId, c.from.level, c.to.level, c.rule])).to.deep.equal([
        [gina.id, 1, 3, 'gold'],
        [hank.id, 2, 3, 'gold'],
      ]);
      expect(await programOf(gina.id)).to.equal(fx.programs.gold);
      const second = await afterSync(deps(), { partnerIds: [gina.id, hank.id], blocks });
      expect(second.tiers.changes).to.deep.equal([]);
      expect((await ctx.store.db.selectFrom('email_outbox').select('idempotency_key').orderBy('idempotency_key').execute()).map((r) => r.idempotency_key)).to.deep.equal([
        `tier-upgrade:partner:${gina.id}:level:${fx.programs.gold}`,
        `tier-upgrade:partner:${hank.id}:level:${fx.programs.gold}`,
      ]);
    });
  });
});
