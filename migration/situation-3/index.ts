/**
 * Situation 3, everything on WordPress, with the new partner center on its own host (a subdomain or a new
 * domain) served by the gateway in front of the site: as situation 2, but WordPress is switched only once that
 * host answers as Partnergate, sends visitors to the partner center and sign-in on the same host, and sets
 * host-only (and, over https, Secure) cookies. The gateway must run with PARTNERGATE_PARTNER_CENTER_HOST set
 * to that host.
 */
import { AppError } from '../../src/common/index.js';
import { legacyMigrationSteps } from '../common/legacy-flow.js';
import { defineSituation } from '../common/situation.js';
import { hostCheckStep, switchWordPressStep } from '../common/steps/switch.js';

export const situation3 = defineSituation(
  'situation-3',
  'everything on WordPress: as situation 2, with the partner center on its own host in front of the site',
  async (ctx) => {
    const host = ctx.opts.partnerCenterHost;
    if (!host) throw new AppError('request.invalid_field', 'partner-center-host: give the partner center\'s own host (e.g. partners.example.com)', { field: 'partner-center-host' });
    if ((ctx.deps.config.partnerCenterHost ?? '').toLowerCase() !== host.toLowerCase()) {
      throw new AppError('request.invalid_field', `partner-center-host: the gateway is not configured for ${host}; set PARTNERGATE_PARTNER_CENTER_HOST=${host} (and restart the gateway) first`, { field: 'partner-center-host' });
    }
    await legacyMigrationSteps(ctx);
    await hostCheckStep(ctx);
    await switchWordPressStep(ctx);
  },
  { rollback: true },
);
