/**
 * `/partner-center/reports?from=&to=&group=day|week|month&by=date|promo|subid[&sid=]`: clicks, leads, sales,
 * conversion and earnings with an SVG chart and a table; buckets are the partner's local days, weeks, months.
 */
import type { RequestHandler } from 'express';
import type { GatewayDeps } from '../../deps.js';
import { AppError, formatMoney } from '../../common/index.js';
import { buildReport, subIdProblem, type Report, type ReportBy, type ReportGroup } from '../../partners/index.js';
import { t } from '../../i18n/index.js';
import { barChart } from './chart.js';
import { exportLinks, layoutModel, pageInput, partnerOf, rangeForm, render } from './common.js';
import { queryString } from './input.js';

const groups = ['day', 'week', 'month'] as const;
const bys = ['date', 'promo', 'subid'] as const;

export function reportsPage(deps: GatewayDeps): RequestHandler {
  return async (req, res) => {
    const partner = partnerOf(res);
    const input = pageInput(req, res, deps);
    const locale = req.ctx.locale;
    const range = input.range({ defaultDays: 30 });
    let group: ReportGroup = input.choice('group', groups, 'day', t(req.ctx.locale, 'reports:groupBy'));
    const by: ReportBy = input.choice('by', bys, 'date', t(req.ctx.locale, 'reports:byLabel'));
    let subId = input.text('sid', 200);
    if (subId !== undefined) {
      const problem = subIdProblem(subId);
      if (problem) {
        input.problem('sid', t(locale, 'reports:badSid', { sid: subId.slice(0, 64), problem }));
        subId = undefined;
      }
    }
    const db = deps.store.db;
    let report: Report;
    try {
      report = await buildReport(db, { partnerId: partner.id, range, group, by, subId });
    } catch (err) {
      if (!(err instanceof AppError) || err.field !== 'group') throw err;
      input.problem('group', t(locale, 'reports:badGroup', { problem: err.message.replace(/^group: /, '') }));
      group = 'month';
      report = await buildReport(db, { partnerId: partner.id, range, group, by, subId });
    }
    const notice = subId !== undefined && report.totals.clicks === 0 && report.totals.sales === 0
      ? t(locale, 'reports:noActivity', { sid: subId, from: range.from, to: range.to })
      : undefined;
    const money = (c: number) => formatMoney(c, partner.currency, locale);
    const labels = report.rows.map((r) => r.label);
    const charts = report.rows.length
      ? [
          barChart('chart-activity', t(locale, 'reports:chartActivity'), labels, [
            { name: t(locale, 'dashboard:clicks'), className: 'bar-clicks', values: report.rows.map((r) => r.clicks) },
            { name: t(locale, 'dashboard:sales'), className: 'bar-sales', values: report.rows.map((r) => r.sales) },
          ], locale),
          barChart('chart-earnings', t(locale, 'reports:chartEarnings'), labels, [{ name: t(locale, 'dashboard:earned'), className: 'bar-earned', values: report.rows.map((r) => r.earnedCents), format: money }], locale),
        ]
      : [];
    const base = { from: range.from, to: range.to, sid: subId };
    render(
      res,
      deps,
      'pages/reports',
      {
        ...layoutModel(req, partner, { title: t(locale, 'reports:title'), current: 'reports', problems: input.problems }),
        report,
        byDate: by === 'date',
        keyHeading: by === 'date' ? t(locale, 'reports:group', { group }) : by === 'promo' ? t(locale, 'reports:promoTool') : 'SubID',
        showLeads: by === 'date' && subId === undefined,
        leadsNote: by !== 'date' && report.totals.leads !== undefined,
        subId,
        notice,
        charts,
        groupOptions: groups.map((g) => ({ value: g, label: t(locale, 'reports:group', { group: g }), selected: g === group })),
        byTabs: bys.map((b) => ({
          href: `/partner-center/reports${queryString({ ...base, group: b === 'date' && group !== 'day' ? group : undefined, by: b === 'date' ? undefined : b })}`,
          label: t(locale, 'reports:by', { by: b }),
          current: b === by,
        })),
        rangeForm: { ...rangeForm('/partner-center/reports', range, input, { by: by === 'date' ? undefined : by }), sid: subId ?? '', sidError: input.fieldErrors.sid },
        exports: exportLinks(['report', 'commissions'], range),
      },
      input.status,
    );
  };
}
