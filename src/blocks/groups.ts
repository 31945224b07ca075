/**
 * Groups: saved partner filters over rollups ("approved and paid commissions in the last year >= $1,000"),
 * for the admin CLI to list and export. Members are streamed: partners are read in id order, 1000 at a time,
 * and each page's rollup values come from one grouped query on the partner indexes, so memory stays flat and
 * the values are exact (no snapshot).
 */
import { AppError } from '../common/index.js';
import { describeConditions } from './conditions.js';
import { compareValue } from './fields.js';
import type { BlocksConfig, GroupCondition } from './model.js';
import { readPartnersPage } from './groups.repo.js';
import { valuesForPartners } from './rollups.repo.js';
import { blocksDepsOf, configOf, type ServiceDeps } from './service-deps.js';

export interface GroupSummary {
  name: string;
  label: string;
  /** The filter in words, e.g. `earned_last_year >= 100000`. */
  filter: string;
  rollups: Array<{ name: string; label: string; unit: 'money' | 'count'; conditions: string }>;
}

export interface GroupMember {
  partnerId: number;
  firstName: string;
  lastName: string;
  email: string | null;
  programName: string;
  status: 'active' | 'inactive';
  currency: string;
  /** Value of each rollup the filter reads, by rollup name (cents for money rollups). */
  values: Record<string, number>;
}

const symbols = { eq: '=', ne: '!=', gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

function describe(conditions: GroupCondition[], joiner = ' AND '): string {
  return conditions
    .map((c) => (c.kind === 'value' ? `${c.rollup.name} ${symbols[c.op]} ${c.value}` : `(${describe(c.items, c.kind === 'any' ? ' OR ' : ' AND ')})`))
    .join(joiner);
}

function matches(conditions: GroupCondition[], valueOf: (key: string) => number, any = false): boolean {
  const test = (c: GroupCondition): boolean => (c.kind === 'value' ? compareValue(c.op, valueOf(c.rollup.key), c.value) : matches(c.items, valueOf, c.kind === 'any'));
  return any ? conditions.some(test) : conditions.every(test);
}

/** Every configured group with its filter in words. */
export function listGroups(config?: BlocksConfig): GroupSummary[] {
  return [...configOf(config).groups.values()].map((g) => ({
    name: g.name,
    label: g.label,
    filter: describe(g.where),
    rollups: g.rollups.map((r) => ({ name: r.name, label: r.label, unit: r.unit, conditions: describeConditions(r.where) })),
  }));
}

/**
 * Streams the partners of group `name`, in partner id order.
 * @throws AppError not_found naming the group when it is not configured
 */
export async function* groupMembers(deps: ServiceDeps, name: string, opts: { blocks?: BlocksConfig; pageSize?: number } = {}): AsyncGenerator<GroupMember> {
  const group = configOf(opts.blocks, deps).groups.get(name);
  if (!group) throw new AppError('not_found', `group: no group named "${name}" (configured: ${[...configOf(opts.blocks, deps).groups.keys()].join(', ') || 'none'})`, { field: 'group' });
  const bdeps = blocksDepsOf(deps);
  const pageSize = opts.pageSize ?? 1000;
  let afterId = 0;
  for (;;) {
    const partners = await readPartnersPage(bdeps.db, afterId, pageSize);
    if (partners.length === 0) return;
    afterId = partners.at(-1)!.id;
    const ctx = { timeZone: bdeps.timeZone, now: bdeps.now() };
    const values = new Map<string, Map<number, number>>();
    for (const rollup of group.rollups) values.set(rollup.key, await valuesForPartners(bdeps.db, rollup, partners.map((p) => p.id), ctx));
    for (const p of partners) {
      const valueOf = (key: string) => values.get(key)!.get(p.id) ?? 0;
      if (!matches(group.where, valueOf)) continue;
      yield {
        partnerId: p.id,
        firstName: p.first_name,
        lastName: p.last_name,
        email: p.email,
        programName: p.program_name,
        status: p.status,
        currency: p.currency,
        values: Object.fromEntries(group.rollups.map((r) => [r.name, valueOf(r.key)])),
      };
    }
    if (partners.length < pageSize) return;
  }
}
