/**
 * The shipped presets, written exactly as a configuration file would be (and validated by the same loader).
 * A business's file adds to them (same name: the file wins) or starts from nothing with `presets: false`.
 *
 * Semantics (docs/domain.md): earned = kind sale or clawback with status approved or paid; a sale = a commission
 * of kind `sale` that was not declined. "Last year" is the 365 days before today in the default time zone.
 */
export const presetConfig = {
  rollups: {
    pending_total: {
      label: 'Pending commissions',
      source: 'commissions',
      aggregate: 'sum',
      field: 'amount',
      where: [{ field: 'status', op: 'eq', value: 'pending' }],
    },
    approved_total: {
      label: 'Approved commissions',
      source: 'commissions',
      aggregate: 'sum',
      field: 'amount',
      where: [
        { field: 'kind', op: 'in', value: ['sale', 'clawback'] },
        { field: 'status', op: 'eq', value: 'approved' },
      ],
    },
    earned_total: {
      label: 'Commissions earned',
      source: 'commissions',
      aggregate: 'sum',
      field: 'amount',
      where: [
        { field: 'kind', op: 'in', value: ['sale', 'clawback'] },
        { field: 'status', op: 'in', value: ['approved', 'paid'] },
      ],
    },
    earned_last_year: {
      label: 'Approved and paid commissions, last 12 months',
      extends: 'earned_total',
      where: [{ field: 'processed_date', op: 'on_or_after', value: { daysAgo: 365 } }],
    },
    product_sales: {
      label: 'Sales of the product',
      source: 'commissions',
      aggregate: 'count',
      where: [
        { field: 'kind', op: 'eq', value: 'sale' },
        { field: 'status', op: 'ne', value: 'declined' },
        { field: 'product', op: 'eq', value: { param: 'product' } },
      ],
    },
    contest_sales: {
      label: 'Sales since the contest started',
      extends: 'product_sales',
      where: [{ field: 'transaction_date', op: 'on_or_after', value: { param: 'startDate' } }],
    },
    contest_earned: {
      label: 'Commission earned in the contest',
      extends: 'earned_total',
      where: [
        { field: 'product', op: 'eq', value: { param: 'product' } },
        { field: 'transaction_date', op: 'on_or_after', value: { param: 'startDate' } },
      ],
    },
  },
  leaderboards: {
    default: {
      title: 'Top partners: last 12 months',
      intro: 'Approved and paid commissions over the last 12 months, among the partners of your program.',
      rollup: 'earned_last_year',
      programs: 'ladder',
      privacy: 'first_name',
      limit: 10,
      nav: true,
    },
  },
  groups: {
    top_partners_last_year: {
      label: 'Approved and paid commissions in the last 12 months of $1,000 or more',
      where: [{ rollup: 'earned_last_year', op: 'gte', value: 100_000 }],
    },
  },
  tiers: {
    earned_10000_next_level: {
      label: 'Commissions earned reached $10,000',
      rollup: 'earned_total',
      op: 'gte',
      value: 1_000_000,
      fromLevels: [1],
      moveTo: 'next',
    },
  },
} as const;

export const presetOrigin = 'shipped presets (src/blocks/presets.ts)';
