/**
 * The reports page and `report.csv` are one report: on generated data, the totals the page shows (buildReport,
 * what src/views/pages/reports.ts renders) equal the column sums of the CSV, for one partner and range, by date
 * in the partner's zone, by promo tool and by SubID.
 */
import { expect } from 'chai';
import { parseDateRange } from '../../src/common/index.js';
import { generateDemoData } from '../../src/demo/index.js';
import { buildReport, type ReportBy } from '../../src/partners/index.js';
import { createExportSlots, openCsvExport, type ReportRequest } from '../../src/reports/index.js';
import { forEachStore } from '../support/store.js';

const NOW = Date.parse('2026-06-01T00:00:00Z');

async function csvTotals(store: Parameters<typeof openCsvExport>[0], r: ReportRequest): Promise<Record<string, number>> {
  const { body } = await openCsvExport(store, createExportSlots(), r);
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(Buffer.from(c as Buffer));
  const [header, ...lines] = Buffer.concat(chunks).toString('utf8').trim().split('\r\n');
  const names = header!.split(',');
  const totals: Record<string, number> = {};
  for (const line of lines) {
    // Generated promo tool names and SubIDs hold no commas or quotes; the figures are plain numbers.
    const cells = line.split(',');
    names.forEach((name, i) => {
      if (['clicks', 'leads', 'sales'].includes(name)) totals[name] = (totals[name] ?? 0) + Number(cells[i]);
      if (['earned', 'pending'].includes(name)) totals[name] = (totals[name] ?? 0) + Math.round(Number(cells[i]) * 100);
    });
  }
  return totals;
}

forEachStore('reports page and report.csv agree', (ctx) => {
  let partnerId: number;
  before(async function () {
    this.timeout(120_000);
    partnerId = (await generateDemoData(ctx.store, { seed: 22, partners: 12, commissions: 3_000, now: NOW })).mostActivePartnerId;
  });

  for (const [by, zone] of [['date', 'America/New_York'], ['date', 'Asia/Kathmandu'], ['promo', 'UTC'], ['subid', 'Europe/Berlin']] as Array<[ReportBy, string]>) {
    it(`same clicks, leads, sales, earned and pending by ${by} (${zone})`, async () => {
      const range = parseDateRange({ from: '2025-06-01', to: '2026-05-31' }, zone, { maxDays: 400 });
      const page = await buildReport(ctx.store.db, { partnerId, range, group: 'month', by });
      const csv = await csvTotals(ctx.store, { report: 'report', partnerId, range, currency: 'USD', options: { by } });
      const t = page.totals;
      expect(t.sales, 'generated data with sales in the range').to.be.greaterThan(0);
      expect(t.clicks).to.be.greaterThan(0);
      const pageFigures = { clicks: t.clicks, sales: t.sales, earned: t.earnedCents, pending: t.pendingCents, ...(by === 'date' ? { leads: t.leads } : {}) };
      const csvFigures = { clicks: csv.clicks, sales: csv.sales, earned: csv.earned ?? 0, pending: csv.pending ?? 0, ...(by === 'date' ? { leads: csv.leads } : {}) };
      expect(pageFigures).to.deep.equal(csvFigures);
    });
  }
});
