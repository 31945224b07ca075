/**
 * Rollups of the configuration: checked in file order, so a rollup may only extend one defined above it;
 * a chain that comes back to itself is reported as a cycle. Binding a rollup to parameters gives the
 * `BoundRollup` every query uses, keyed by a hash of its full definition.
 */
import { createHash } from 'node:crypto';
import type { RollupInput } from './config-schema.js';
import { bindParamsOrReport, paramsOf, parseConditions, type Condition, type Report } from './conditions.js';
import { sources } from './fields.js';
import type { BoundRollup, Rollup } from './model.js';
import type { Problems } from './config-problems.js';

const NAME = /^[a-z][a-z0-9_]*$/;

/** The chain of `extends` from `start`, stopping at a repeat or a missing rollup. */
function chainFrom(start: string, inputs: Record<string, RollupInput>): string[] {
  const chain = [start];
  let next = inputs[start]?.extends;
  while (next !== undefined && next in inputs) {
    chain.push(next);
    if (chain.indexOf(next) !== chain.length - 1) break;
    next = inputs[next]?.extends;
  }
  return chain;
}

export function resolveRollups(inputs: Record<string, RollupInput>, problems: Problems): Map<string, Rollup> {
  const out = new Map<string, Rollup>();
  const names = Object.keys(inputs);
  names.forEach((name, index) => {
    const input = inputs[name]!;
    const report = problems.forItem('rollups', name);
    if (!NAME.test(name)) return report('(name)', 'a rollup name is lower-case letters, digits and _ and starts with a letter');
    let parent: Rollup | undefined;
    if (input.extends !== undefined) {
      const target = input.extends;
      const chain = chainFrom(name, inputs);
      if (chain.indexOf(chain.at(-1)!) !== chain.length - 1 && chain.at(-1) === name) {
        return report('extends', `cycle ${chain.join(' -> ')}`);
      }
      if (!(target in inputs)) return report('extends', `unknown rollup "${target}" (defined: ${names.join(', ')})`);
      if (names.indexOf(target) > index) return report('extends', `rollup "${target}" is referenced before it is defined (define it above "${name}")`);
      parent = out.get(target);
      if (!parent) return; // the parent had its own problem, already reported
      if (input.source !== undefined && input.source !== parent.source) {
        return report('source', `a rollup that extends "${target}" keeps its source (${parent.source})`);
      }
    } else {
      if (input.source === undefined) return report('source', 'missing (required): commissions, referred_contacts or open_orders');
      if (input.aggregate === undefined) return report('aggregate', 'missing (required): sum or count');
    }
    const source = parent?.source ?? input.source!;
    const spec = sources[source as keyof typeof sources];
    const aggregate = input.aggregate ?? parent!.aggregate;
    if (input.referrer !== undefined && source !== 'referred_contacts') return report('referrer', 'only referred_contacts have a first or last referrer');
    let sumField: string | undefined;
    if (aggregate === 'sum') {
      if (spec.sumFields.length === 0) return report('aggregate', `sum needs a money field and ${source} has none; use count`);
      sumField = input.field ?? (parent?.aggregate === 'sum' ? parent.sumField : undefined) ?? spec.sumFields[0];
      if (!spec.sumFields.includes(sumField!)) return report('field', `cannot sum "${sumField}" (use ${spec.sumFields.join(' or ')})`);
    } else if (input.field !== undefined) {
      return report('field', 'only a sum adds up a field; a count counts rows');
    }
    const before = problems.list.length;
    const own = parseConditions(input.where, source as keyof typeof sources, 'where', report);
    if (problems.list.length > before) return;
    const where = [...(parent?.where ?? []), ...own];
    out.set(name, {
      name,
      label: input.label ?? parent?.label ?? name,
      source: source as Rollup['source'],
      referrer: input.referrer ?? parent?.referrer ?? 'first',
      aggregate,
      sumField,
      unit: aggregate === 'sum' ? 'money' : 'count',
      where,
      params: paramsOf(where),
    });
  });
  return out;
}

function stripForKey(conditions: Condition[]): unknown[] {
  return conditions.map((c) => (c.kind === 'leaf' ? { f: c.field, o: c.op, v: c.operand } : { k: c.kind, i: stripForKey(c.items) }));
}

function usesDaysAgo(conditions: Condition[]): boolean {
  return conditions.some((c) => (c.kind === 'leaf' ? c.operand.t === 'daysAgo' : usesDaysAgo(c.items)));
}

/** Makes a bound rollup from a resolved one and extra (already bound) conditions. */
export function boundRollup(rollup: Omit<Rollup, 'params'>, where: Condition[]): BoundRollup {
  const identity = JSON.stringify([rollup.source, rollup.referrer, rollup.aggregate, rollup.sumField ?? null, stripForKey(where)]);
  const hash = createHash('sha256').update(identity).digest('hex').slice(0, 16);
  return {
    name: rollup.name,
    label: rollup.label,
    source: rollup.source,
    referrer: rollup.referrer,
    aggregate: rollup.aggregate,
    sumField: rollup.sumField,
    unit: rollup.unit,
    where,
    key: `${rollup.name}:${hash}`,
    relative: usesDaysAgo(where),
  };
}

/**
 * Binds the named rollup to `params`, reporting an unknown rollup at `field` and bad or missing parameters at
 * `params.<name>`. Returns undefined when anything was reported.
 */
export function bindRollup(
  rollups: Map<string, Rollup>,
  name: string,
  params: Record<string, unknown>,
  report: Report,
  field = 'rollup',
  extra: Condition[] = [],
): BoundRollup | undefined {
  const rollup = rollups.get(name);
  if (!rollup) {
    report(field, `unknown rollup "${name}" (defined: ${[...rollups.keys()].join(', ') || 'none'})`);
    return undefined;
  }
  const where = bindParamsOrReport(rollup.where, params, report, `rollup "${name}"`);
  if (!where) return undefined;
  return boundRollup(rollup, [...where, ...extra]);
}
