/**
 * Tier automation: rules such as "when commissions earned reach $10,000, move the partner to the program's next
 * level" (programs of a ladder share `tier_group`, ordered by `level_order`). Evaluated after each sync and on
 * demand. A partner is moved as far up as the rules allow in one run, so a second run changes nothing. Each
 * move is one transaction: the partner's program, a `tier_upgrades` row, an `audit_log` row, the Ontraport
 * write-back (outbox) and the `tier-upgrade` email (outbox, one per partner and new level). Rules only move
 * partners up; a partner an administrator moved back down after the write-back went out is left where it is.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/index.js';
import type { DataKeyring } from '../common/index.js';
import { recordAudit } from '../accounts/index.js';
import { queueEmail } from '../mail/index.js';
import { recipientLocale } from '../i18n/index.js';
import type { BlocksConfig, TierRule } from './model.js';
import { formatValue } from './rankings.js';
import { valueForPartner, valuesForPartners } from './rollups.repo.js';
import { blocksDepsOf, configOf, type ServiceDeps } from './service-deps.js';
import * as repo from './tiers.repo.js';
import { queueContactUpdate, writeBackStatus } from './ontraport-writeback.js';

export interface LevelRef {
  programId: number;
  programName: string;
  level: number;
}

export interface TierChange {
  partnerId: number;
  tierGroup: string;
  from: LevelRef;
  to: LevelRef;
  rule: string;
  value: number;
  /** The partner had already been moved by a rule; a sync brought back the old program before the write-back was sent. */
  reapplied: boolean;
}

export interface TierRunResult {
  dryRun: boolean;
  evaluated: number;
  changes: TierChange[];
  skipped: Array<{ partnerId: number; to: LevelRef; reason: string }>;
}

const CHUNK = 1000;

function ruleHolds(rule: TierRule, value: number): boolean {
  return rule.op === 'gt' ? value > rule.value : value >= rule.value;
}

/** The highest level the rules move a partner to from `startIndex`, following rule after rule. */
export function targetLevel(ladder: repo.LadderLevel[], startIndex: number, group: string, rules: TierRule[], valueOf: (rule: TierRule) => number) {
  let index = startIndex;
  let applied: { rule: TierRule; value: number } | undefined;
  for (;;) {
    let best: { index: number; rule: TierRule; value: number } | undefined;
    for (const rule of rules) {
      if (rule.tierGroups && !rule.tierGroups.includes(group)) continue;
      if (rule.fromLevels && !rule.fromLevels.includes(ladder[index]!.level_order)) continue;
      const value = valueOf(rule);
      if (!ruleHolds(rule, value)) continue;
      const dest = rule.moveTo === 'next' ? index + 1 : ladder.findIndex((l) => l.level_order === rule.moveTo);
      if (dest > index && dest < ladder.length && (!best || dest > best.index)) best = { index: dest, rule, value };
    }
    if (!best) return { index, applied };
    index = best.index;
    applied = { rule: best.rule, value: best.value };
  }
}

const levelRef = (l: repo.LadderLevel): LevelRef => ({ programId: l.id, programName: l.name, level: l.level_order });

async function applyChange(db: Kysely<Database>, p: repo.LadderPartner, change: TierChange, to: repo.LadderLevel, ctx: { now: number; actor: number | null; publicUrl?: string; dataKeys?: DataKeyring; currency: string; rule: TierRule }): Promise<'moved' | 'reapplied' | string> {
  const ontraportKey = `tier-upgrade:partner:${p.id}:program:${to.id}`;
  const emailKey = `tier-upgrade:partner:${p.id}:level:${to.id}`;
  return db.transaction().execute(async (trx) => {
    const earlier = await repo.findUpgrade(trx, p.id, to.id);
    if (earlier) {
      const status = earlier.ontraport_key ? await writeBackStatus(trx, earlier.ontraport_key) : undefined;
      if (status !== 'queued') return 'moved back after an earlier upgrade to this level; left as is';
      if (!(await repo.movePartner(trx, p.id, change.from.programId, to.id, ctx.now))) return 'program changed meanwhile';
      await recordAudit(trx, { at: ctx.now, actorAccountId: ctx.actor, partnerId: p.id, action: 'tier.reapplied', details: { rule: change.rule, from: change.from, to: change.to } });
      return 'reapplied';
    }
    if (!(await repo.movePartner(trx, p.id, change.from.programId, to.id, ctx.now))) return 'program changed meanwhile';
    const writeBack = p.contact_ontraport_id !== null && to.ontraport_id !== null;
    if (writeBack) {
      await queueContactUpdate(trx, { idempotencyKey: ontraportKey, contactOntraportId: p.contact_ontraport_id!, fields: { program_id: to.ontraport_id } }, ctx.now);
    }
    const locale = recipientLocale(p.locale);
    const valueText = formatValue(ctx.rule.rollup.unit, change.value, ctx.currency, locale);
    if (p.email) {
      await queueEmail(trx, ctx.dataKeys ?? null, {
        idempotencyKey: emailKey,
        to: p.email,
        template: 'tier-upgrade',
        params: { locale, firstName: p.first_name, fromProgram: change.from.programName, toProgram: change.to.programName, ruleLabel: ctx.rule.label, valueText, partnerCenterUrl: ctx.publicUrl ? `${ctx.publicUrl}/partner-center/` : undefined },
      }, ctx.now);
    }
    await repo.insertUpgrade(trx, {
      partner_id: p.id, tier_group: change.tierGroup, rule: change.rule, from_program_id: change.from.programId, to_program_id: to.id,
      to_level: to.level_order, value: change.value, ontraport_key: writeBack ? ontraportKey : null, email_key: p.email ? emailKey : null, at: ctx.now,
    });
    await recordAudit(trx, {
      at: ctx.now, actorAccountId: ctx.actor, partnerId: p.id, action: 'tier.upgrade',
      details: {
        rule: change.rule, rollup: ctx.rule.rollup.name, value: change.value, threshold: ctx.rule.value, from: change.from, to: change.to,
        writeBack: writeBack ? 'queued' : 'skipped: no Ontraport id for the contact or the program', email: p.email ? 'queued' : 'skipped: no email address',
      },
    });
    return 'moved';
  });
}

/**
 * Applies the tier rules to every active partner on a ladder (or only `partnerIds`).
 * @param opts.dryRun compute the moves without writing anything
 * @param opts.actorAccountId the administrator who asked (audit); none after a sync
 */
export async function evaluateTiers(
  deps: ServiceDeps,
  opts: { dryRun?: boolean; partnerIds?: readonly number[]; blocks?: BlocksConfig; actorAccountId?: number } = {},
): Promise<TierRunResult> {
  const bdeps = blocksDepsOf(deps);
  const rules = configOf(opts.blocks, deps).tiers;
  const result: TierRunResult = { dryRun: Boolean(opts.dryRun), evaluated: 0, changes: [], skipped: [] };
  if (rules.length === 0) return result;
  const ladders = await repo.readLadders(bdeps.db);
  const rollups = [...new Map(rules.map((r) => [r.rollup.key, r.rollup])).values()];
  let afterId = 0;
  for (;;) {
    const partners = await repo.readLadderPartners(bdeps.db, afterId, CHUNK, opts.partnerIds);
    if (partners.length === 0) break;
    afterId = partners.at(-1)!.id;
    const ctx = { timeZone: bdeps.timeZone, now: bdeps.now() };
    const values = new Map<string, Map<number, number>>();
    for (const rollup of rollups) values.set(rollup.key, await valuesForPartners(bdeps.db, rollup, partners.map((p) => p.id), ctx));
    for (const p of partners) {
      result.evaluated++;
      const ladder = ladders.get(p.tier_group) ?? [];
      const start = ladder.findIndex((l) => l.id === p.program_id);
      if (start < 0) continue;
      const { index, applied } = targetLevel(ladder, start, p.tier_group, rules, (rule) => values.get(rule.rollup.key)!.get(p.id) ?? 0);
      if (!applied || index === start) continue;
      const to = ladder[index]!;
      const change: TierChange = { partnerId: p.id, tierGroup: p.tier_group, from: levelRef(ladder[start]!), to: levelRef(to), rule: applied.rule.name, value: applied.value, reapplied: false };
      if (opts.dryRun) {
        result.changes.push(change);
        continue;
      }
      const outcome = await applyChange(bdeps.db, p, change, to, { now: ctx.now, actor: opts.actorAccountId ?? null, publicUrl: deps.config?.publicUrl, dataKeys: deps.config?.dataKeys, currency: to.currency, rule: applied.rule });
      if (outcome === 'moved' || outcome === 'reapplied') result.changes.push({ ...change, reapplied: outcome === 'reapplied' });
      else result.skipped.push({ partnerId: p.id, to: change.to, reason: outcome });
    }
    if (partners.length < CHUNK) break;
  }
  if (result.changes.length) deps.logger?.info({ moved: result.changes.length, evaluated: result.evaluated }, 'tier rules moved partners');
  return result;
}

export interface NextTierRequirement {
  tierGroup: string;
  current: LevelRef;
  next: LevelRef;
  rule: string;
  label: string;
  unit: 'money' | 'count';
  /** What the rule needs, in cents for money rollups. */
  requiredValue: number;
  currentValue: number;
  remainingValue: number;
  currency: string;
}

/**
 * What the partner's next level needs under the tier rules (for the dashboard): the rule that moves it up
 * soonest, its threshold and what is left. Null when the partner is on no ladder, at the top, or no rule applies.
 */
export async function nextTierRequirement(db: Kysely<Database>, partnerId: number, opts: { blocks?: BlocksConfig; timeZone?: string; now?: number } = {}): Promise<NextTierRequirement | null> {
  const rules = configOf(opts.blocks).tiers;
  const partner = await repo.readPartnerLevel(db, partnerId);
  if (!partner?.tier_group || rules.length === 0) return null;
  const ladder = (await repo.readLadders(db)).get(partner.tier_group) ?? [];
  const index = ladder.findIndex((l) => l.id === partner.program_id);
  if (index < 0 || index === ladder.length - 1) return null;
  const deps = blocksDepsOf({ store: { db }, config: opts.timeZone ? { defaultTimeZone: opts.timeZone } : undefined, now: opts.now === undefined ? undefined : () => opts.now! });
  const ctx = { timeZone: deps.timeZone, now: deps.now() };
  let best: NextTierRequirement | undefined;
  for (const rule of rules) {
    if (rule.tierGroups && !rule.tierGroups.includes(partner.tier_group)) continue;
    if (rule.fromLevels && !rule.fromLevels.includes(ladder[index]!.level_order)) continue;
    const dest = rule.moveTo === 'next' ? index + 1 : ladder.findIndex((l) => l.level_order === rule.moveTo);
    if (dest <= index) continue;
    const value = await valueForPartner(db, rule.rollup, partnerId, ctx);
    const required = rule.op === 'gt' ? rule.value + 1 : rule.value;
    const candidate: NextTierRequirement = {
      tierGroup: partner.tier_group, current: levelRef(ladder[index]!), next: levelRef(ladder[dest]!), rule: rule.name, label: rule.label, unit: rule.rollup.unit,
      requiredValue: required, currentValue: value, remainingValue: Math.max(0, required - value), currency: partner.currency,
    };
    if (!best || dest < ladder.findIndex((l) => l.id === best!.next.programId) || (candidate.next.programId === best.next.programId && candidate.remainingValue < best.remainingValue)) best = candidate;
  }
  return best ?? null;
}
