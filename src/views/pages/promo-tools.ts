/** `/partner-center/promo-tools`: banners, lightboxes, emails and text links, each with the partner's tracked link. */
import type { RequestHandler } from 'express';
import type { GatewayDeps } from '../../deps.js';
import { promoToolsFor, siteOrigin } from '../../partners/index.js';
import { layoutModel, partnerOf, render } from './common.js';

export function promoToolsPage(deps: GatewayDeps): RequestHandler {
  return async (req, res) => {
    const partner = partnerOf(res);
    const tools = await promoToolsFor(deps.store.db, { programId: partner.programId, origin: siteOrigin(deps.config.publicUrl), referralCode: partner.referralCode });
    const any = tools.banner.length + tools.lightbox.length + tools.email.length + tools.link.length > 0;
    render(res, deps, 'pages/promo-tools', {
      ...layoutModel(req, partner, { title: 'Promo tools', current: 'promo-tools' }),
      tools,
      any,
    });
  };
}
