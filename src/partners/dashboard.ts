/** The dashboard's figures: money by status, this month and all time, and activity over a chosen period. */
import { DateTime } from 'luxon';
import type { DateRange } from '../common/index.js';
import type { PartnerProfile } from './profile.js';
import type { Db, MsRange } from './repos/db.js';
import { countLeads, countVisits } from './repos/activity.repo.js';
import { periodCommissionStats, totalsByStatusAndKind, type StatusKindTotal } from './repos/commissions.repo.js';
import { BIG_PARTNER_ROWS, memoForBigPartners } from './slow-memo.js';
import { approvedInPayouts, paidOutBefore } from './repos/ledger.repo.js';
import { tierStatus, type TierRequirementSource, type TierStatus } from './tiers.js';
import { conversionOf, type Conversion } from './conversion.js';

export interface MoneyTotals {
  /** Earned = sale and clawback rows, approved or paid (docs/domain.md). */
  earnedCents: number;
  pendingCents: number;
  pendingCount: number;
  /** Approved, not yet paid: what the next payout will carry (clawbacks included). */
  approvedCents: number;
  paidCents: number;
  /** Sales refunded before payout (never earned; shown for the record). */
  refundedCents: number;
}

export function moneyTotals(rows: StatusKindTotal[]): MoneyTotals {
  const t: MoneyTotals = { earnedCents: 0, pendingCents: 0, pendingCount: 0, approvedCents: 0, paidCents: 0, refundedCents: 0 };
  for (const r of rows) {
    const earnedKind = r.kind === 'sale' || r.kind === 'clawback';
    if (r.status === 'pending') {
      t.pendingCents += r.totalCents;
      t.pendingCount += r.count;
    }
    if (earnedKind && r.status === 'approved') t.approvedCents += r.totalCents;
    if (earnedKind && r.status === 'paid') t.paidCents += r.totalCents;
    if (earnedKind && (r.status === 'approved' || r.status === 'paid')) t.earnedCents += r.totalCents;
    if (r.kind === 'sale' && r.status === 'refunded') t.refundedCents += r.totalCents;
  }
  return t;
}

export interface PeriodActivity {
  clicks: number;
  leads: number;
  sales: number;
  /** sales / unique clicks (see conversion.ts), undefined without clicks. */
  conversion?: Conversion;
  earnedCents: number;
  pendingCents: number;
}

export async function periodActivity(db: Db, partnerId: number, range: MsRange): Promise<PeriodActivity> {
  const [clicks, leads, stats] = await Promise.all([countVisits(db, partnerId, range), countLeads(db, partnerId, range), periodCommissionStats(db, partnerId, range)]);
  return { clicks, leads, sales: stats.sales, conversion: conversionOf(stats.sales, clicks), earnedCents: stats.earnedCents, pendingCents: stats.pendingCents };
}

// The current month per zone, reused while `now` is inside it (luxon's zone arithmetic on every dashboard view).
const currentMonths = new Map<string, MsRange & { label: string }>();

/** The calendar month containing `now` in the zone, as `[start, end)`. */
export function monthOf(now: number, timeZone: string): MsRange & { label: string } {
  const kept = currentMonths.get(timeZone);
  if (kept && now >= kept.startMs && now < kept.endMs) return { ...kept };
  const start = DateTime.fromMillis(now, { zone: timeZone }).startOf('month');
  const month = { startMs: start.toMillis(), endMs: start.plus({ months: 1 }).toMillis(), label: start.toFormat('LLLL yyyy') };
  if (currentMonths.size >= 1_000) currentMonths.clear();
  currentMonths.set(timeZone, month);
  return { ...month };
}

export interface Dashboard {
  totals: MoneyTotals;
  /** Earned (clawbacks included) minus every payout recorded: what the partner is still owed. */
  balanceCents: number;
  thisMonth: { label: string; earnedCents: number; pendingCents: number };
  period: PeriodActivity & { range: DateRange };
  tier?: TierStatus;
}

const rowCount = (rows: StatusKindTotal[]) => rows.reduce((n, r) => n + r.count, 0);

/** All-time totals by status (kept a minute for the busiest partners, see slow-memo.ts). */
export function allTimeTotalsByStatus(db: Db, partnerId: number): Promise<StatusKindTotal[]> {
  return memoForBigPartners(db, `totals:${partnerId}`, () => totalsByStatusAndKind(db, partnerId), (rows) => rowCount(rows) >= BIG_PARTNER_ROWS);
}

export async function buildDashboard(db: Db, partner: PartnerProfile, period: DateRange, now: number, tierRequirement?: TierRequirementSource): Promise<Dashboard> {
  const month = monthOf(now, partner.timeZone);
  const all = await allTimeTotalsByStatus(db, partner.id);
  const big = rowCount(all) >= BIG_PARTNER_ROWS;
  const [monthStats, activity, requirement, paidOut, approvedButPaid] = await Promise.all([
    memoForBigPartners(db, `month:${partner.id}:${month.startMs}`, () => periodCommissionStats(db, partner.id, month), () => big),
    memoForBigPartners(db, `period:${partner.id}:${period.startMs}:${period.endMs}`, () => periodActivity(db, partner.id, period), () => big),
    partner.tierGroup && tierRequirement ? memoForBigPartners(db, `tier:${partner.id}:${partner.programId}`, () => tierRequirement(partner.id), () => big) : Promise.resolve(undefined),
    paidOutBefore(db, partner.id, Number.MAX_SAFE_INTEGER),
    approvedInPayouts(db, partner.id),
  ]);
  const totals = moneyTotals(all);
  totals.approvedCents -= approvedButPaid;
  totals.paidCents += approvedButPaid;
  const tier = await tierStatus(db, { id: partner.programId, tierGroup: partner.tierGroup }, requirement);
  return {
    totals,
    balanceCents: totals.earnedCents - paidOut,
    thisMonth: { label: month.label, earnedCents: monthStats.earnedCents, pendingCents: monthStats.pendingCents },
    period: { ...activity, range: period },
    tier,
  };
}
