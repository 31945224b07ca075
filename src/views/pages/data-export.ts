/**
 * `POST /partner-center/settings/data-export` (CSRF-checked like every form; an API key never gets here): the
 * partner's data as a zip (src/data-rights), streamed, audited as `data.exported`. The partner and their zone
 * come from the session only.
 */
import type { RequestHandler } from 'express';
import type { GatewayDeps } from '../../deps.js';
import { recordAudit } from '../../accounts/index.js';
import { partnerDataZip } from '../../data-rights/index.js';
import { actorOf } from './settings.js';
import { partnerOf } from './common.js';

export function dataExportAction(deps: GatewayDeps): RequestHandler {
  return async (req, res) => {
    const actor = actorOf(req, res);
    const partner = partnerOf(res);
    const now = deps.now();
    await recordAudit(deps.store.db, { action: 'data.exported', at: now, actorAccountId: actor.session.account_id, partnerId: actor.partnerId, ip: actor.ip, requestId: actor.requestId });
    res.status(200);
    res.setHeader('Content-Type', 'application/zip');
    res.setHeader('Content-Disposition', `attachment; filename="partnergate-my-data-${new Date(now).toISOString().slice(0, 10)}.zip"`);
    res.setHeader('Cache-Control', 'private, no-store');
    const zip = partnerDataZip(deps, { partnerId: actor.partnerId, timeZone: partner.timeZone, currency: actor.session.partner?.currency ?? deps.config.defaultCurrency });
    zip.on('error', (err) => {
      req.ctx.log.error({ err }, 'data export failed mid-stream');
      res.destroy();
    });
    zip.pipe(res);
  };
}
