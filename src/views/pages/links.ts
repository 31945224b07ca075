/**
 * `/partner-center/links`: the referral link, a link builder (GET `path` + `sid`: a page of the site only, SubID
 * `[A-Za-z0-9_-]{1,64}`) and the SubIDs with their clicks, sales and earnings over a range.
 */
import type { RequestHandler } from 'express';
import type { GatewayDeps } from '../../deps.js';
import { t } from '../../i18n/index.js';
import { parseSitePath, referralLink, siteOrigin, subIdProblem, subIdStats, trackedLink } from '../../partners/index.js';
import { exportLinks, layoutModel, pageInput, partnerOf, rangeForm, render } from './common.js';
import { queryString } from './input.js';
import { qrDownloads } from './promo-tools.js';

export function linksPage(deps: GatewayDeps): RequestHandler {
  return async (req, res) => {
    const partner = partnerOf(res);
    const input = pageInput(req, res, deps);
    const origin = siteOrigin(deps.config.publicUrl);
    const range = input.range({ defaultDays: 30 });
    const pathText = input.text('path', 2100);
    const sidText = input.text('sid', 200);
    let built: string | undefined;
    let pathOk: string | undefined;
    let sidOk: string | undefined;
    if (pathText !== undefined || sidText !== undefined) {
      const path = parseSitePath(pathText ?? '', origin);
      if (!path.ok) input.problem('path', t(req.ctx.locale, 'links:badPath', { problem: path.problem }));
      else pathOk = path.path;
      if (sidText !== undefined) {
        const problem = subIdProblem(sidText);
        if (problem) input.problem('sid', t(req.ctx.locale, 'links:badSid', { problem }));
        else sidOk = sidText;
      }
      if (pathOk !== undefined && (sidText === undefined || sidOk !== undefined)) built = trackedLink(origin, pathOk, partner.referralCode, { subId: sidOk });
    }
    const subIds = await subIdStats(deps.store.db, partner.id, range);
    const referral = referralLink(origin, partner.referralCode);
    render(
      res,
      deps,
      'pages/links',
      {
        ...layoutModel(req, partner, { title: t(req.ctx.locale, 'links:title'), current: 'links', problems: input.problems }),
        referralLink: referral,
        referralQr: qrDownloads(referral),
        origin,
        builder: {
          path: pathText ?? '', sid: sidText ?? '', built, pathError: input.fieldErrors.path, sidError: input.fieldErrors.sid,
          qr: built === undefined ? undefined : qrDownloads(built, { path: pathOk, sid: sidOk }),
        },
        subIds: subIds.map((s) => ({ ...s, reportHref: `/partner-center/reports${queryString({ from: range.from, to: range.to, sid: s.subId })}` })),
        range,
        rangeForm: rangeForm('/partner-center/links', range, input, { path: pathText, sid: sidText }),
        exports: exportLinks(['report'], range),
      },
      input.status,
    );
  };
}
