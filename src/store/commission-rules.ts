/**
 * The commission rules of docs/domain.md, defined once for every query that counts or sums commissions (the
 * dashboard, lists, ledger, reports page, report export, MassPay file, block presets):
 * - sales: `sale` rows not declined (a count);
 * - earned: `sale` and `clawback` rows, approved or paid (an amount; clawbacks are negative);
 * - pending: rows still pending (an amount).
 */
import { sql, type RawBuilder } from 'kysely';

/** The statuses a commission row can have, in the order pages and filters list them. */
export const COMMISSION_STATUSES = ['pending', 'approved', 'paid', 'declined', 'refunded'] as const;

export type CommissionStatus = (typeof COMMISSION_STATUSES)[number];

/** Kinds and statuses whose amounts are earned. */
export const EARNED_KINDS = ['sale', 'clawback'] as const;
export const EARNED_STATUSES = ['approved', 'paid'] as const satisfies readonly CommissionStatus[];

const list = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

/**
 * One commission row's part in each figure, as SQL `case` expressions (sum them, or select them per row).
 * @param alias the commissions table's alias in the query (`c`), or none
 */
export function commissionCases(alias?: string): { sales: RawBuilder<number>; earned: RawBuilder<number>; pending: RawBuilder<number> } {
  const col = (name: string) => (alias ? `${alias}.${name}` : name);
  return {
    sales: sql.raw<number>(`case when ${col('kind')} = 'sale' and ${col('status')} <> 'declined' then 1 else 0 end`),
    earned: sql.raw<number>(`case when ${col('kind')} in (${list(EARNED_KINDS)}) and ${col('status')} in (${list(EARNED_STATUSES)}) then ${col('amount_cents')} else 0 end`),
    pending: sql.raw<number>(`case when ${col('status')} = 'pending' then ${col('amount_cents')} else 0 end`),
  };
}
