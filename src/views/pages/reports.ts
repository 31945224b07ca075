/**
 * `/partner-center/reports?from=&to=&group=day|week|month&by=date|promo|subid[&sid=]`: clicks, leads, sales,
 * conversion and earnings with an SVG chart and a table; buckets are the partner's local days, weeks, months.
 */
import type { RequestHandler } from 'express';
import type { GatewayDeps } from '../../deps.js';
import { AppError, formatMoney } from '../../common/index.js';
import { buildReport, subIdProblem, type Report, type ReportBy, type ReportGroup } from '../../partners/index.js';
import { barChart } from './chart.js';
import { exportLinks, layoutModel, pageInput, partnerOf, rangeForm, render } from './common.js';
import { queryString } from './input.js';

const groups = ['day', 'week', 'month'] as const;
const bys = ['date', 'promo', 'subid'] as const;

export function reportsPage(deps: GatewayDeps): RequestHandler {
  return async (req, res) => {
    const partner = partnerOf(res);
    const input = pageInput(req, res, deps);
    const range = input.range({ defaultDays: 30 });
    let group: ReportGroup = input.choice('group', groups, 'day', 'Group by');
    const by: ReportBy = input.choice('by', bys, 'date', 'Report by');
    let subId = input.text('sid', 200);
    if (subId !== undefined) {
      const problem = subIdProblem(subId);
      if (problem) {
        input.problem('sid', `SubID: "${subId.slice(0, 64)}" is not a SubID (${problem}); showing all SubIDs.`);
        subId = undefined;
      }
    }
    const db = deps.store.db;
    let report: Report;
    try {
      report = await buildReport(db, { partnerId: partner.id, range, group, by, subId });
    } catch (err) {
      if (!(err instanceof AppError) || err.field !== 'group') throw err;
      input.problem('group', `Group by: ${err.message.replace(/^group: /, '')}. Showing months instead.`);
      group = 'month';
      report = await buildReport(db, { partnerId: partner.id, range, group, by, subId });
    }
    const notice = subId !== undefined && report.totals.clicks === 0 && report.totals.sales === 0
      ? `SubID "${subId}" has no clicks or sales from ${range.from} to ${range.to}. Check the spelling, or see your SubIDs on the Links page.`
      : undefined;
    const money = (c: number) => formatMoney(c, partner.currency);
    const labels = report.rows.map((r) => r.label);
    const charts = report.rows.length
      ? [
          barChart('chart-activity', 'Clicks and sales', labels, [
            { name: 'Clicks', className: 'bar-clicks', values: report.rows.map((r) => r.clicks) },
            { name: 'Sales', className: 'bar-sales', values: report.rows.map((r) => r.sales) },
          ]),
          barChart('chart-earnings', 'Earnings', labels, [{ name: 'Earned', className: 'bar-earned', values: report.rows.map((r) => r.earnedCents), format: money }]),
        ]
      : [];
    const base = { from: range.from, to: range.to, sid: subId };
    render(
      res,
      deps,
      'pages/reports',
      {
        ...layoutModel(req, partner, { title: 'Reports', current: 'reports', problems: input.problems }),
        report,
        byDate: by === 'date',
        keyHeading: by === 'date' ? (group === 'day' ? 'Day' : group === 'week' ? 'Week' : 'Month') : by === 'promo' ? 'Promo tool' : 'SubID',
        showLeads: by === 'date' && subId === undefined,
        leadsNote: by !== 'date' && report.totals.leads !== undefined,
        subId,
        notice,
        charts,
        groupOptions: groups.map((g) => ({ value: g, label: g[0]!.toUpperCase() + g.slice(1), selected: g === group })),
        byTabs: bys.map((b) => ({
          href: `/partner-center/reports${queryString({ ...base, group: b === 'date' && group !== 'day' ? group : undefined, by: b === 'date' ? undefined : b })}`,
          label: b === 'date' ? 'By date' : b === 'promo' ? 'By promo tool' : 'By SubID',
          current: b === by,
        })),
        rangeForm: { ...rangeForm('/partner-center/reports', range, input, { by: by === 'date' ? undefined : by }), sid: subId ?? '', sidError: input.fieldErrors.sid },
        exports: exportLinks(['report', 'commissions'], range),
      },
      input.status,
    );
  };
}
