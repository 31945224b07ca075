/**
 * Leaderboards, contests, blocks, pages, groups and tier rules of the configuration: each checked against the
 * rollups and the field catalogue, with page parameters bound where they are given.
 */
import { DateTime } from 'luxon';
import type { BlockInput, ContestInput, GroupInput, LeaderboardInput, PageInput, SectionName, TierRuleInput } from './config-schema.js';
import { bindParamsOrReport, parseConditions, parseOperand, type Condition, type ProductRef, type Report } from './conditions.js';
import { bindRollup } from './config-rollups.js';
import { columnsOf, partnerColumns, sources, valueOperators, type SourceName, type ValueOperator } from './fields.js';
import type { BoardDef, BoundRollup, ContestDef, GroupCondition, GroupDef, PageBlock, PageDef, Rollup, Scope, TierRule } from './model.js';
import type { Problems } from './config-problems.js';

interface Ctx {
  rollups: Map<string, Rollup>;
  problems: Problems;
}

const SLUG = /^[a-z0-9][a-z0-9-]*$/;
const NAME = /^[a-z][a-z0-9_]*$/;

function scopeOf(programs: 'ladder' | 'all' | string[] | undefined): Scope {
  if (programs === undefined || programs === 'ladder') return { kind: 'ladder' };
  if (programs === 'all') return { kind: 'all' };
  return { kind: 'programs', names: programs };
}

function checkName(section: SectionName, name: string, report: Report, pattern: RegExp): boolean {
  if (pattern.test(name)) return true;
  report('(name)', pattern === SLUG ? 'a slug is lower-case letters, digits and - (it is part of the page address)' : 'a name is lower-case letters, digits and _ and starts with a letter');
  return false;
}

export function resolveBoards(section: 'leaderboards' | 'contests', inputs: Record<string, LeaderboardInput | ContestInput>, ctx: Ctx): Map<string, BoardDef | ContestDef> {
  const out = new Map<string, BoardDef | ContestDef>();
  for (const [slug, input] of Object.entries(inputs)) {
    const report = ctx.problems.forItem(section, slug);
    if (!checkName(section, slug, report, SLUG)) continue;
    let params: Record<string, unknown> = { ...(input.params ?? {}) };
    let contest: { product: ProductRef; startDate: string; endDate?: string } | undefined;
    const extra: Condition[] = [];
    if (section === 'contests') {
      const c = input as ContestInput;
      const product = parseOperand(sources.commissions.fields.product!, 'product', 'eq', c.product, false);
      if (typeof product === 'string' || product.t !== 'product') {
        report('product', typeof product === 'string' ? product : 'must be one product');
        continue;
      }
      const start = DateTime.fromISO(c.startDate, { zone: 'UTC' });
      if (!start.isValid) {
        report('startDate', `${c.startDate} is not a real date`);
        continue;
      }
      if (c.endDate !== undefined) {
        const end = DateTime.fromISO(c.endDate, { zone: 'UTC' });
        if (!end.isValid || end < start) {
          report('endDate', `must be a real date on or after startDate (${c.startDate})`);
          continue;
        }
        // Sales on the end date still count: the contest closes at the start of the next day.
        extra.push({ kind: 'leaf', field: 'transaction_date', spec: sources.commissions.fields.transaction_date!, op: 'before', operand: { t: 'date', v: end.plus({ days: 1 }).toISODate()! }, path: 'endDate' });
      }
      contest = { product: product.v, startDate: c.startDate, endDate: c.endDate };
      params = { ...params, product: c.product, startDate: c.startDate, ...(c.endDate ? { endDate: c.endDate } : {}) };
    }
    const rollupName = input.rollup ?? 'contest_sales';
    const rollup = bindRollup(ctx.rollups, rollupName, params, report, 'rollup', extra);
    if (!rollup) continue;
    if (contest && rollup.source !== 'commissions') {
      report('rollup', `a contest ranks by a rollup over commissions; "${rollupName}" is over ${rollup.source}`);
      continue;
    }
    const board: BoardDef = {
      slug,
      title: input.title,
      intro: input.intro,
      nav: input.nav ?? false,
      rollup,
      scope: scopeOf(input.programs),
      privacy: input.privacy ?? 'first_name',
      limit: input.limit ?? 10,
      dir: input.dir ?? 'desc',
    };
    out.set(slug, contest ? { ...board, ...contest } : board);
  }
  return out;
}

const defaultColumns: Record<SourceName, string[]> = {
  commissions: ['transaction_date', 'product', 'amount', 'status'],
  referred_contacts: ['first_name', 'last_name', 'added_date'],
  open_orders: ['product', 'status', 'commission', 'next_charge_date'],
};

const defaultTitles: Record<SourceName, string> = {
  commissions: 'Your commissions',
  referred_contacts: 'Your referred contacts',
  open_orders: 'Your subscriptions',
};

type UnboundBlock =
  | { kind: 'records'; input: BlockInput; source: SourceName; where: Condition[] }
  | { kind: 'ranking'; input: BlockInput }
  | { kind: 'stats'; input: BlockInput };

/** Checks a block on its own (fields, operators, columns, sort); parameters are bound per page. */
function checkBlock(name: string, input: BlockInput, ctx: Ctx): UnboundBlock | undefined {
  const report = ctx.problems.forItem('blocks', name);
  const before = ctx.problems.list.length;
  const onlyFor = (field: keyof BlockInput, sourcesAllowed: string) => {
    if (input[field] !== undefined) report(field, `only for source ${sourcesAllowed}`);
  };
  if (input.source === 'partners' || input.source === 'rollups') {
    for (const f of ['where', 'referrer'] as const) onlyFor(f, 'commissions, referred_contacts or open_orders');
  }
  if (input.source === 'partners') {
    onlyFor('rollups', 'rollups');
    if (input.rollup === undefined) report('rollup', 'missing (required): the rollup partners are ranked by');
    else if (!ctx.rollups.has(input.rollup)) report('rollup', `unknown rollup "${input.rollup}" (defined: ${[...ctx.rollups.keys()].join(', ')})`);
    if (input.sort && input.sort.by !== input.rollup && input.sort.by !== 'value') {
      report('sort.by', `partners of a program are ranked by their rollup; use "${input.rollup ?? 'value'}"`);
    }
    (input.columns ?? []).forEach((c, i) => {
      if (!(partnerColumns as readonly string[]).includes(c)) report(`columns[${i}]`, `"${c}" cannot be shown for other partners (use ${partnerColumns.join(', ')})`);
    });
    if (input.limit !== undefined && input.limit > 100) report('limit', 'must be at most 100 for partners of a program');
    return ctx.problems.list.length > before ? undefined : { kind: 'ranking', input };
  }
  if (input.source === 'rollups') {
    for (const f of ['rollup', 'sort', 'columns', 'limit', 'programs', 'privacy'] as const) onlyFor(f, f === 'rollup' || f === 'programs' || f === 'privacy' ? 'partners' : 'commissions, referred_contacts or open_orders');
    if (!input.rollups) report('rollups', 'missing (required): the rollups to show');
    (input.rollups ?? []).forEach((r, i) => {
      if (!ctx.rollups.has(r)) report(`rollups[${i}]`, `unknown rollup "${r}" (defined: ${[...ctx.rollups.keys()].join(', ')})`);
    });
    return ctx.problems.list.length > before ? undefined : { kind: 'stats', input };
  }
  const source = input.source as SourceName;
  for (const f of ['rollup', 'programs', 'privacy'] as const) onlyFor(f, 'partners');
  onlyFor('rollups', 'rollups');
  if (input.referrer !== undefined && source !== 'referred_contacts') report('referrer', 'only referred_contacts have a first or last referrer');
  const fields = Object.keys(sources[source].fields);
  if (input.sort && !fields.includes(input.sort.by)) report('sort.by', `unknown field "${input.sort.by}" of ${source} (known: ${fields.join(', ')})`);
  const columns = columnsOf(source);
  (input.columns ?? []).forEach((c, i) => {
    if (!columns.includes(c)) report(`columns[${i}]`, `unknown column "${c}" of ${source} (known: ${columns.join(', ')})`);
  });
  const where = parseConditions(input.where, source, 'where', report);
  return ctx.problems.list.length > before ? undefined : { kind: 'records', input, source, where };
}

function bindBlock(name: string, block: UnboundBlock, params: Record<string, unknown>, report: Report, ctx: Ctx): PageBlock | undefined {
  const { input } = block;
  if (block.kind === 'records') {
    const where = bindParamsOrReport(block.where, params, report, `block "${name}"`);
    if (!where) return undefined;
    const spec = sources[block.source];
    return {
      kind: 'records',
      name,
      title: input.title ?? defaultTitles[block.source],
      source: block.source,
      referrer: input.referrer ?? 'first',
      where,
      sort: { field: input.sort?.by ?? spec.defaultSort, dir: input.sort?.dir ?? 'desc' },
      limit: input.limit ?? 20,
      columns: input.columns ?? defaultColumns[block.source],
      empty: input.empty ?? 'Nothing to show yet.',
    };
  }
  if (block.kind === 'ranking') {
    const rollup = bindRollup(ctx.rollups, input.rollup!, params, report, `block "${name}" rollup`);
    if (!rollup) return undefined;
    return {
      kind: 'ranking',
      name,
      title: input.title ?? rollup.label,
      rollup,
      scope: scopeOf(input.programs),
      privacy: input.privacy ?? 'first_name',
      limit: input.limit ?? 10,
      dir: input.sort?.dir ?? 'desc',
      columns: input.columns ?? [...partnerColumns],
      empty: input.empty ?? 'No results yet.',
    };
  }
  const rollups: BoundRollup[] = [];
  for (const r of input.rollups ?? []) {
    const bound = bindRollup(ctx.rollups, r, params, report, `block "${name}" rollups`);
    if (!bound) return undefined;
    rollups.push(bound);
  }
  return { kind: 'stats', name, title: input.title ?? '', rollups };
}

export function resolveBlocksAndPages(blocks: Record<string, BlockInput>, pages: Record<string, PageInput>, ctx: Ctx): Map<string, PageDef> {
  const checked = new Map<string, UnboundBlock | undefined>();
  for (const [name, input] of Object.entries(blocks)) {
    const report = ctx.problems.forItem('blocks', name);
    checked.set(name, checkName('blocks', name, report, NAME) ? checkBlock(name, input, ctx) : undefined);
  }
  const out = new Map<string, PageDef>();
  for (const [slug, input] of Object.entries(pages)) {
    const report = ctx.problems.forItem('pages', slug);
    if (!checkName('pages', slug, report, SLUG)) continue;
    const bound: PageBlock[] = [];
    let failed = false;
    input.blocks.forEach((blockName, i) => {
      if (!checked.has(blockName)) {
        failed = true;
        return report(`blocks[${i}]`, `unknown block "${blockName}" (defined: ${[...checked.keys()].join(', ') || 'none'})`);
      }
      const block = checked.get(blockName);
      if (!block) return void (failed = true); // reported with the block
      const b = bindBlock(blockName, block, input.params ?? {}, report, ctx);
      if (b) bound.push(b);
      else failed = true;
    });
    if (!failed) out.set(slug, { slug, title: input.title, intro: input.intro, nav: input.nav ?? false, blocks: bound });
  }
  return out;
}

function groupConditions(raw: unknown[], path: string, params: Record<string, unknown>, report: Report, ctx: Ctx, used: Map<string, BoundRollup>): GroupCondition[] {
  const out: GroupCondition[] = [];
  raw.forEach((item, i) => {
    const here = `${path}[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return report(here, 'must be a condition such as { rollup: earned_last_year, op: gte, value: 100000 }');
    const obj = item as Record<string, unknown>;
    if ('all' in obj || 'any' in obj) {
      const kind = 'all' in obj ? 'all' : 'any';
      const items = obj[kind];
      if (!Array.isArray(items) || items.length === 0) return report(`${here}.${kind}`, 'must be a non-empty list of conditions');
      out.push({ kind, items: groupConditions(items, `${here}.${kind}`, params, report, ctx, used) });
      return;
    }
    const unknown = Object.keys(obj).find((k) => !['rollup', 'op', 'value'].includes(k));
    if (unknown) return report(`${here}.${unknown}`, 'unknown field (known fields: rollup, op, value; or a group: all, any)');
    if (typeof obj.rollup !== 'string') return report(`${here}.rollup`, 'missing (required): the rollup to compare');
    if (typeof obj.op !== 'string' || !(valueOperators as readonly string[]).includes(obj.op)) {
      return report(`${here}.op`, `operator ${JSON.stringify(obj.op)} does not fit a rollup value (a number); use ${valueOperators.join(', ')}`);
    }
    if (typeof obj.value !== 'number' || !Number.isSafeInteger(obj.value)) return report(`${here}.value`, 'must be a whole number (cents for money rollups)');
    const rollup = bindRollup(ctx.rollups, obj.rollup, params, report, `${here}.rollup`);
    if (!rollup) return;
    used.set(rollup.key, rollup);
    out.push({ kind: 'value', rollup, op: obj.op as ValueOperator, value: obj.value });
  });
  return out;
}

export function resolveGroups(inputs: Record<string, GroupInput>, ctx: Ctx): Map<string, GroupDef> {
  const out = new Map<string, GroupDef>();
  for (const [name, input] of Object.entries(inputs)) {
    const report = ctx.problems.forItem('groups', name);
    if (!checkName('groups', name, report, NAME)) continue;
    const before = ctx.problems.list.length;
    const used = new Map<string, BoundRollup>();
    const where = groupConditions(input.where, 'where', input.params ?? {}, report, ctx, used);
    if (ctx.problems.list.length === before) out.set(name, { name, label: input.label ?? name, where, rollups: [...used.values()] });
  }
  return out;
}

export function resolveTiers(inputs: Record<string, TierRuleInput>, ctx: Ctx): TierRule[] {
  const out: TierRule[] = [];
  for (const [name, input] of Object.entries(inputs)) {
    const report = ctx.problems.forItem('tiers', name);
    if (!checkName('tiers', name, report, NAME)) continue;
    const rollup = bindRollup(ctx.rollups, input.rollup, input.params ?? {}, report);
    if (!rollup) continue;
    if ((input.moveTo ?? 'next') === 'next' && !input.fromLevels) {
      report('fromLevels', 'missing: a rule that moves partners to the next level says which levels it moves them from (e.g. [1]); without it the rule would apply again at every level');
      continue;
    }
    if (typeof input.moveTo === 'number' && input.fromLevels?.some((l) => l >= (input.moveTo as number))) {
      report('moveTo', `level ${input.moveTo} is not above every level in fromLevels (${input.fromLevels.join(', ')}): tier rules only move partners up`);
      continue;
    }
    out.push({
      name,
      label: input.label ?? `${rollup.label} ${input.op === 'gt' ? 'above' : 'reach'} ${input.value}`,
      rollup,
      op: input.op ?? 'gte',
      value: input.value,
      tierGroups: input.tierGroups,
      fromLevels: input.fromLevels,
      moveTo: input.moveTo ?? 'next',
    });
  }
  return out;
}
