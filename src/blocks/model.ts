/**
 * The validated configuration, as the services use it: rollups with their `extends` chain flattened, page
 * parameters bound into conditions, rankings keyed by a hash of their definition (so a changed definition
 * never reuses an old snapshot).
 */
import type { Condition, ProductRef } from './conditions.js';
import type { SourceName, ValueOperator } from './fields.js';

export interface Rollup {
  name: string;
  label: string;
  source: SourceName;
  referrer: 'first' | 'last';
  aggregate: 'sum' | 'count';
  /** Field summed (sum only). */
  sumField?: string;
  unit: 'money' | 'count';
  /** Parents' conditions first, then its own; may still hold `{ param }` operands. */
  where: Condition[];
  params: Set<string>;
}

/** A rollup with every parameter bound: something a partner has one value of. */
export interface BoundRollup extends Omit<Rollup, 'params'> {
  /** Stable identity of the definition + bound values (`<name>:<hash>`); names its snapshot. */
  key: string;
  /** Uses "N days before today": its value changes at midnight without any row changing. */
  relative: boolean;
}

export type Scope = { kind: 'ladder' } | { kind: 'all' } | { kind: 'programs'; names: string[] };
export type Privacy = 'first_name' | 'alias';

export interface BoardDef {
  slug: string;
  title: string;
  intro?: string;
  nav: boolean;
  rollup: BoundRollup;
  scope: Scope;
  privacy: Privacy;
  limit: number;
  dir: 'asc' | 'desc';
}

export interface ContestDef extends BoardDef {
  product: ProductRef;
  startDate: string;
  endDate?: string;
}

export interface RecordsBlock {
  kind: 'records';
  name: string;
  title: string;
  source: SourceName;
  referrer: 'first' | 'last';
  where: Condition[];
  sort: { field: string; dir: 'asc' | 'desc' };
  limit: number;
  columns: string[];
  empty: string;
}

export interface RankingBlock {
  kind: 'ranking';
  name: string;
  title: string;
  rollup: BoundRollup;
  scope: Scope;
  privacy: Privacy;
  limit: number;
  dir: 'asc' | 'desc';
  columns: string[];
  empty: string;
}

export interface StatsBlock {
  kind: 'stats';
  name: string;
  title: string;
  rollups: BoundRollup[];
}

export type PageBlock = RecordsBlock | RankingBlock | StatsBlock;

export interface PageDef {
  slug: string;
  title: string;
  intro?: string;
  nav: boolean;
  blocks: PageBlock[];
}

export type GroupCondition =
  | { kind: 'value'; rollup: BoundRollup; op: ValueOperator; value: number }
  | { kind: 'all' | 'any'; items: GroupCondition[] };

export interface GroupDef {
  name: string;
  label: string;
  where: GroupCondition[];
  /** Every rollup its conditions read. */
  rollups: BoundRollup[];
}

export interface TierRule {
  name: string;
  label: string;
  rollup: BoundRollup;
  op: 'gte' | 'gt';
  value: number;
  /** Ladders it applies to; undefined = every ladder. */
  tierGroups?: string[];
  /** Levels it moves partners from; undefined = any level. */
  fromLevels?: number[];
  /** `next` or a level_order to move to. */
  moveTo: 'next' | number;
}

export interface BlocksConfig {
  /** The file it came from, or "shipped presets". */
  origin: string;
  rollups: Map<string, Rollup>;
  leaderboards: Map<string, BoardDef>;
  contests: Map<string, ContestDef>;
  pages: Map<string, PageDef>;
  groups: Map<string, GroupDef>;
  tiers: TierRule[];
  /** Every ranked rollup the pages use (leaderboards, contests, ranking blocks), by key: refreshed after sync. */
  rankings: Map<string, BoundRollup>;
}
