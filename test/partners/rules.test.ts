/** Pure rules of the partner center: report buckets in the partner's zone, totals by status, paging. */
import { expect } from 'chai';
import { parseDateRange } from '../../src/common/index.js';
import { buildBuckets, moneyTotals, slotSizeFor } from '../../src/partners/index.js';
import { readPage } from '../../src/partners/paging.js';

describe('partners: report buckets', () => {
  it('cuts local days across a DST change (New York, 8 March 2026 has 23 hours)', () => {
    const range = parseDateRange({ from: '2026-03-07', to: '2026-03-09' }, 'America/New_York', { maxDays: 400 });
    const b = buildBuckets(range, 'day');
    expect(b.map((x) => x.key)).to.deep.equal(['2026-03-07', '2026-03-08', '2026-03-09']);
    expect(b[0]!.startMs).to.equal(Date.UTC(2026, 2, 7, 5));
    expect(b[1]!.startMs).to.equal(Date.UTC(2026, 2, 8, 5));
    expect(b[1]!.endMs - b[1]!.startMs).to.equal(23 * 3_600_000);
    expect(b[2]!.endMs).to.equal(Date.UTC(2026, 2, 10, 4));
    expect(slotSizeFor(b)).to.equal(3_600_000);
  });

  it('uses whole-day slots in UTC and 15-minute slots in Kathmandu (UTC+5:45)', () => {
    const utc = buildBuckets(parseDateRange({ from: '2026-01-01', to: '2026-01-31' }, 'UTC', { maxDays: 400 }), 'day');
    expect(slotSizeFor(utc)).to.equal(86_400_000);
    const ktm = buildBuckets(parseDateRange({ from: '2026-01-01', to: '2026-01-03' }, 'Asia/Kathmandu', { maxDays: 400 }), 'day');
    expect(slotSizeFor(ktm)).to.equal(900_000);
  });

  it('clips weeks (Monday first) and months to the range', () => {
    const range = parseDateRange({ from: '2026-02-25', to: '2026-03-10' }, 'UTC', { maxDays: 400 });
    const weeks = buildBuckets(range, 'week');
    expect(weeks.map((w) => w.key)).to.deep.equal(['2026-02-25', '2026-03-02', '2026-03-09']);
    expect(weeks[0]!.endMs).to.equal(Date.UTC(2026, 2, 2));
    expect(weeks.at(-1)!.endMs).to.equal(Date.UTC(2026, 2, 11));
    const months = buildBuckets(range, 'month');
    expect(months.map((m) => m.label)).to.deep.equal(['Feb 2026', 'Mar 2026']);
    expect(months[1]!.startMs).to.equal(Date.UTC(2026, 2, 1));
  });
});

describe('partners: money totals by status (docs/domain.md)', () => {
  it('earned is sale and clawback rows approved or paid; pending is any pending row; refunded sales are apart', () => {
    const t = moneyTotals([
      { status: 'pending', kind: 'sale', totalCents: 1000, count: 2 },
      { status: 'approved', kind: 'sale', totalCents: 5000, count: 1 },
      { status: 'approved', kind: 'clawback', totalCents: -700, count: 1 },
      { status: 'paid', kind: 'sale', totalCents: 9000, count: 3 },
      { status: 'paid', kind: 'clawback', totalCents: -500, count: 1 },
      { status: 'declined', kind: 'sale', totalCents: 4000, count: 1 },
      { status: 'refunded', kind: 'sale', totalCents: 3000, count: 1 },
      { status: 'approved', kind: 'refund', totalCents: 123, count: 1 },
    ]);
    expect(t).to.deep.equal({ earnedCents: 12_800, pendingCents: 1000, pendingCount: 2, approvedCents: 4300, paidCents: 8500, refundedCents: 3000 });
  });
});

describe('partners: paging', () => {
  const rows = Array.from({ length: 7 }, (_, i) => i);
  const fetch = async (limit: number, offset: number) => rows.slice(offset, offset + limit);
  it('reads one extra row to know about a next page', async () => {
    expect(await readPage({ page: 1, size: 3 }, fetch)).to.deep.equal({ rows: [0, 1, 2], page: 1, hasPrev: false, hasNext: true, pastEnd: false });
    expect(await readPage({ page: 3, size: 3 }, fetch)).to.deep.equal({ rows: [6], page: 3, hasPrev: true, hasNext: false, pastEnd: false });
  });
  it('flags a page past the end', async () => {
    expect((await readPage({ page: 9, size: 3 }, fetch)).pastEnd).to.equal(true);
  });
});
