/**
 * The blocks configuration: a table of bad files and the exact line start-up stops with (file, item, field),
 * the example file loads, and a gateway with a bad file does not start.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { BlocksConfigError, loadBlocksConfig } from '../../src/blocks/index.js';
import { shippedTemplatesDir } from '../../src/views/index.js';
import { forEachStore } from '../support/store.js';
import { startTestGateway } from '../support/gateway.js';

const dir = mkdtempSync(join(tmpdir(), 'partnergate-blocks-config-'));
let n = 0;
function file(text: string, ext = 'yaml'): string {
  const path = join(dir, `case-${++n}.${ext}`);
  writeFileSync(path, text);
  return path;
}

function problemsOf(path: string): string[] {
  try {
    loadBlocksConfig(path);
  } catch (err) {
    expect(err).to.be.instanceOf(BlocksConfigError);
    return (err as BlocksConfigError).problems;
  }
  throw new Error(`${path} was accepted`);
}

const rollupA = 'rollups:\n  a: { source: commissions, aggregate: count }\n';

/** [name, file content, expected problems (after "<file>: ")]. */
const badConfigs: Array<[string, string, string[]]> = [
  ['unknown field of a block', 'blocks:\n  launch: { source: commissions, sortt: { by: amount } }\n', ['block "launch": sortt: unknown field (known fields: title, source, referrer, where, sort, limit, columns, rollup, rollups, programs, privacy, empty)']],
  ['unknown field of a condition', 'blocks:\n  launch:\n    source: commissions\n    where:\n      - { field: status, operator: eq, value: paid }\n', ['block "launch": where[0].operator: unknown field (known fields: field, op, value; or a group: all, any)']],
  ['unknown field of a rollup', 'rollups:\n  a: { source: commissions, aggregate: count, filter: [] }\n', ['rollup "a": filter: unknown field (known fields: label, extends, source, referrer, aggregate, field, where)']],
  ['unknown section', 'leaderbords: {}\n', ['leaderbords: unknown section (known: presets, rollups, blocks, pages, leaderboards, contests, groups, tiers)']],
  ['operator that does not fit an enum field', 'blocks:\n  launch:\n    source: commissions\n    where: [{ field: status, op: gte, value: approved }]\n', ['block "launch": where[0].op: operator "gte" does not fit field "status" (enum); use eq, ne, in or not_in']],
  ['operator that does not fit a date field', 'rollups:\n  a:\n    source: commissions\n    aggregate: count\n    where: [{ field: transaction_date, op: eq, value: "2026-01-01" }]\n', ['rollup "a": where[0].op: operator "eq" does not fit field "transaction_date" (date); use on_or_after, before, empty or not_empty']],
  ['operator that does not fit money, inside an any group', 'rollups:\n  a:\n    source: commissions\n    aggregate: count\n    where:\n      - any:\n          - { field: status, op: eq, value: paid }\n          - { field: amount, op: in, value: [1, 2] }\n', ['rollup "a": where[0].any[1].op: operator "in" does not fit field "amount" (money); use eq, ne, gt, gte, lt or lte']],
  ['operator that does not fit a rollup value (group)', 'groups:\n  top:\n    where: [{ rollup: earned_total, op: in, value: 5 }]\n', ['group "top": where[0].op: operator "in" does not fit a rollup value (a number); use eq, ne, gt, gte, lt, lte']],
  ['unknown status value', 'rollups:\n  a:\n    source: commissions\n    aggregate: count\n    where: [{ field: status, op: in, value: [approved, aproved] }]\n', ['rollup "a": where[0].value: "aproved" is not a status (use pending, approved, paid, declined or refunded)']],
  ['a cycle', 'rollups:\n  a: { extends: b }\n  b: { extends: a }\n', ['rollup "a": extends: cycle a -> b -> a', 'rollup "b": extends: cycle b -> a -> b']],
  ['a rollup extending itself', 'rollups:\n  a: { extends: a }\n', ['rollup "a": extends: cycle a -> a']],
  ['a rollup referenced before it is defined', 'rollups:\n  a: { extends: b, where: [{ field: status, op: eq, value: paid }] }\n  b: { source: commissions, aggregate: count }\n', ['rollup "a": extends: rollup "b" is referenced before it is defined (define it above "a")']],
  ['an unknown rollup', 'leaderboards:\n  weekly: { title: Weekly, rollup: weekly_total }\n', ['leaderboard "weekly": rollup: unknown rollup "weekly_total" (defined: pending_total, approved_total, earned_total, earned_last_year, product_sales, contest_sales, contest_earned)']],
  ['an unknown block on a page', 'presets: false\npages:\n  launch: { title: Launch, blocks: [sales] }\n', ['page "launch": blocks[0]: unknown block "sales" (defined: none)']],
  ['a page parameter that is missing', 'blocks:\n  sales:\n    source: commissions\n    where: [{ field: product, op: eq, value: { param: product } }]\npages:\n  launch: { title: Launch, blocks: [sales] }\n', ['page "launch": params.product: missing: block "sales" where[0] compares field "product" with { param: product }']],
  ['a page parameter of the wrong type', 'blocks:\n  sales:\n    source: commissions\n    where: [{ field: transaction_date, op: on_or_after, value: { param: startDate } }]\npages:\n  launch: { title: Launch, params: { startDate: yesterday }, blocks: [sales] }\n', ['page "launch": params.startDate: must be a date as YYYY-MM-DD or { daysAgo: N } (N days before today); got "yesterday" (used by block "sales" where[0], field "transaction_date")']],
  ['a leaderboard without the parameter its rollup needs', 'leaderboards:\n  course: { title: Course, rollup: product_sales }\n', ['leaderboard "course": params.product: missing: rollup "product_sales" where[2] compares field "product" with { param: product }']],
  ['a sum over referred contacts', 'rollups:\n  a: { source: referred_contacts, aggregate: sum }\n', ['rollup "a": aggregate: sum needs a money field and referred_contacts has none; use count']],
  ['a leaderboard block showing emails', `${rollupA}blocks:\n  board: { source: partners, rollup: a, columns: [rank, email] }\n`, ['block "board": columns[1]: "email" cannot be shown for other partners (use rank, display_name, value)']],
  ['a partners block filtered with where', `${rollupA}blocks:\n  board: { source: partners, rollup: a, where: [] }\n`, ['block "board": where: only for source commissions, referred_contacts or open_orders']],
  ['a contest ending before it starts', 'contests:\n  spring: { title: Spring, product: 3, startDate: "2026-03-01", endDate: "2026-02-01" }\n', ['contest "spring": endDate: must be a real date on or after startDate (2026-03-01)']],
  ['a contest with a malformed date', 'contests:\n  spring: { title: Spring, product: 3, startDate: "March 1" }\n', ['contest "spring": startDate: must be a date as YYYY-MM-DD']],
  ['a next-level tier rule without fromLevels', 'tiers:\n  silver: { rollup: earned_total, value: 500000 }\n', ['tier rule "silver": fromLevels: missing: a rule that moves partners to the next level says which levels it moves them from (e.g. [1]); without it the rule would apply again at every level']],
  ['wrong types and limits', 'leaderboards:\n  x: { title: X, rollup: earned_total, limit: 1000, privacy: nickname }\n', ['leaderboard "x": privacy: must be "first_name" or "alias"', 'leaderboard "x": limit: must be at most 100']],
  ['a missing required field', 'pages:\n  launch: { blocks: [x] }\n', ['page "launch": title: missing (required)']],
];

describe('blocks: configuration errors', () => {
  for (const [name, text, problems] of badConfigs) {
    it(`stops on ${name}`, () => {
      const path = file(text);
      expect(problemsOf(path)).to.deep.equal(problems.map((p) => `${path}: ${p}`));
    });
  }

  it('names the file when it is not valid YAML or JSON, or cannot be read', () => {
    const yaml = file('rollups: [unclosed\n');
    expect(problemsOf(yaml)[0]).to.match(new RegExp(`^${yaml}: not valid YAML \\(`));
    const json = file('{"rollups": ', 'json');
    expect(problemsOf(json)[0]).to.match(new RegExp(`^${json}: not valid JSON \\(`));
    expect(problemsOf(join(dir, 'missing.yaml'))).to.deep.equal([`${join(dir, 'missing.yaml')}: cannot read the blocks configuration (ENOENT)`]);
  });

  it('reads JSON with the same checks', () => {
    const path = file(JSON.stringify({ blocks: { b: { source: 'open_orders', where: [{ field: 'status', op: 'eq', value: 'open' }] } } }), 'json');
    expect(problemsOf(path)).to.deep.equal([`${path}: block "b": where[0].value: "open" is not a status (use active, cancelled or paused)`]);
  });

  it('loads the shipped presets and the example configuration', () => {
    const presets = loadBlocksConfig();
    expect([...presets.rollups.keys()]).to.include.members(['pending_total', 'approved_total', 'earned_last_year', 'product_sales', 'contest_earned']);
    expect(presets.leaderboards.has('default')).to.equal(true);
    const example = loadBlocksConfig(join(shippedTemplatesDir, 'blocks', 'example.yaml'));
    expect([...example.contests.keys()]).to.deep.equal(['foundations-launch']);
    expect([...example.pages.keys()]).to.deep.equal(['launch']);
    expect(example.pages.get('launch')!.blocks.map((b) => b.kind)).to.deep.equal(['stats', 'records', 'ranking']);
  });
});

forEachStore('blocks: gateway start-up', (ctx) => {
  it('does not start with a bad blocks configuration, naming the file, the block and the field', async () => {
    const path = file('blocks:\n  launch:\n    source: commissions\n    where: [{ field: status, op: gte, value: approved }]\n');
    let error: unknown;
    try {
      const tg = await startTestGateway(ctx.store, { PARTNERGATE_BLOCKS_CONFIG: path });
      await tg.close();
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(BlocksConfigError);
    expect((error as Error).message).to.equal(`${path}: block "launch": where[0].op: operator "gte" does not fit field "status" (enum); use eq, ne, in or not_in`);
  });
});
