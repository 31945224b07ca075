/** Groups: listed with their filter in words; members streamed page by page equal the plain-JS filter. */
import { expect } from 'chai';
import { groupMembers, listGroups, parseBlocksConfig, type GroupMember } from '../../src/blocks/index.js';
import { forEachStore } from '../support/store.js';
import { NOW, clearBlocksTables, expected, seedBlocksFixture, type Fixture } from './fixture.js';

const blocks = parseBlocksConfig(
  {
    groups: {
      big_or_pending: {
        label: 'Earned $1,000+ last year, or $500+ pending',
        where: [{ any: [{ rollup: 'earned_last_year', op: 'gte', value: 100_000 }, { rollup: 'pending_total', op: 'gte', value: 50_000 }] }],
      },
      course_fans: { params: { product: { name: 'Online Course' } }, where: [{ rollup: 'product_sales', op: 'gte', value: 2 }, { rollup: 'pending_total', op: 'lt', value: 50_000 }] },
    },
  },
  'groups.test',
);

async function collect(it: AsyncIterable<GroupMember>): Promise<GroupMember[]> {
  const out: GroupMember[] = [];
  for await (const m of it) out.push(m);
  return out;
}

describe('blocks: listGroups', () => {
  it('lists the shipped group and configured ones with their filters', () => {
    const groups = listGroups(blocks);
    expect(groups.map((g) => [g.name, g.filter])).to.deep.equal([
      ['top_partners_last_year', 'earned_last_year >= 100000'],
      ['big_or_pending', '(earned_last_year >= 100000 OR pending_total >= 50000)'],
      ['course_fans', 'product_sales >= 2 AND pending_total < 50000'],
    ]);
    expect(groups[0]!.rollups[0]).to.deep.equal({ name: 'earned_last_year', label: 'Approved and paid commissions, last 12 months', unit: 'money', conditions: 'kind in sale, clawback AND status in approved, paid AND processed_date on_or_after 365 days ago' });
  });
});

forEachStore('blocks: group members', (ctx) => {
  let fx: Fixture;
  const deps = () => ({ store: ctx.store, now: () => NOW, config: { defaultTimeZone: 'UTC' } });
  before(async () => {
    await clearBlocksTables(ctx.store);
    fx = await seedBlocksFixture(ctx.store);
  });

  it('streams the members of the shipped group (approved and paid in the last year >= $1,000)', async () => {
    const want = fx.partners.filter((p) => expected.earnedLastYear(fx.commissions, p.id) >= 100_000);
    expect(want.length).to.be.within(2, fx.partners.length - 2);
    const got = await collect(groupMembers(deps(), 'top_partners_last_year', { blocks, pageSize: 3 }));
    expect(got.map((m) => m.partnerId)).to.deep.equal(want.map((p) => p.id));
    expect(got[0]).to.deep.include({ firstName: want[0]!.firstName, lastName: want[0]!.lastName, email: want[0]!.email, currency: 'USD', status: 'active' });
    expect(got.map((m) => m.values.earned_last_year)).to.deep.equal(want.map((p) => expected.earnedLastYear(fx.commissions, p.id)));
  });

  it('applies OR groups and page parameters', async () => {
    const big = fx.partners.filter((p) => expected.earnedLastYear(fx.commissions, p.id) >= 100_000 || expected.pendingTotal(fx.commissions, p.id) >= 50_000);
    expect((await collect(groupMembers(deps(), 'big_or_pending', { blocks, pageSize: 5 }))).map((m) => m.partnerId)).to.deep.equal(big.map((p) => p.id));
    const fans = fx.partners.filter((p) => expected.productSales(fx.commissions, p.id, fx.products.course) >= 2 && expected.pendingTotal(fx.commissions, p.id) < 50_000);
    expect(fans.length).to.be.greaterThan(0);
    expect((await collect(groupMembers(deps(), 'course_fans', { blocks }))).map((m) => m.partnerId)).to.deep.equal(fans.map((p) => p.id));
  });

  it('names an unknown group', async () => {
    let error: Error | undefined;
    try {
      await collect(groupMembers(deps(), 'nope', { blocks }));
    } catch (err) {
      error = err as Error;
    }
    expect(error?.message).to.equal('group: no group named "nope" (configured: top_partners_last_year, big_or_pending, course_fans)');
  });
});
