/** `/partner-center/`: earnings this month and all time, totals by status, activity over a period, tier. */
import type { RequestHandler } from 'express';
import type { GatewayDeps } from '../../deps.js';
import { formatLocal, formatMonth } from '../../common/index.js';
import { buildDashboard, dataFreshness, monthOf, type PartnerProfile, type TierRequirementSource } from '../../partners/index.js';
import { syncObjectNames } from '../../ontraport/index.js';
import { t } from '../../i18n/index.js';
import { exportLinks, layoutModel, pageInput, partnerOf, rangeForm, render } from './common.js';

/** `source(partner, now)`: the next level's requirement for this partner (the tier rules, wired by the router). */
export function dashboardPage(deps: GatewayDeps, opts: { tierRequirement?: (partner: PartnerProfile, now: number) => TierRequirementSource }): RequestHandler {
  return async (req, res) => {
    const partner = partnerOf(res);
    const input = pageInput(req, res, deps);
    const period = input.range({ defaultDays: 30 });
    const [d, freshness] = await Promise.all([
      buildDashboard(deps.store.db, partner, period, input.now, opts.tierRequirement?.(partner, input.now)),
      dataFreshness(deps.store.db, syncObjectNames, input.now),
    ]);
    render(
      res,
      deps,
      'pages/dashboard',
      {
        ...layoutModel(req, partner, { title: t(req.ctx.locale, 'dashboard:title'), current: 'dashboard', problems: input.problems }),
        partner,
        monthLabel: formatMonth(monthOf(input.now, partner.timeZone).startMs, partner.timeZone, req.ctx.locale),
        periodFrom: formatLocal(period.startMs, partner.timeZone, false, req.ctx.locale),
        periodTo: formatLocal(period.endMs - 1, partner.timeZone, false, req.ctx.locale),
        rate: partner.rateBp / 100,
        d,
        freshness,
        neverSynced: !freshness && deps.config.ontraportEnabled,
        tier: d.tier && {
          ...d.tier,
          levels: d.tier.levels.map((l) => ({ ...l, rate: l.rateBp / 100 })),
          nextRate: d.tier.next ? d.tier.next.rateBp / 100 : undefined,
          money: d.tier.requirement?.unit === 'money',
        },
        rangeForm: rangeForm('/partner-center/', period, input),
        exports: exportLinks(['commissions', 'report'], period),
      },
      input.status,
    );
  };
}
