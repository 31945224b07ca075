/**
 * Situation 1, from scratch: no membership site and no WordPress partner center. Import the partners from
 * Ontraport, create the partner center configuration (access rules, default pages), gather SubIDs, give every
 * partner (or those of a CSV partner list) an account and a "new partner center" email, and send them.
 */
import { defineSituation } from '../common/situation.js';
import { importStep, partnerCenterStep, subIdsStep } from '../common/steps/setup.js';
import { credentialsStep, sendStep, targetPartnersStep } from '../common/steps/credentials.js';

export const situation1 = defineSituation(
  'situation-1',
  'from scratch: import partners from Ontraport, configure the partner center, issue credentials',
  async (ctx) => {
    await importStep(ctx);
    await partnerCenterStep(ctx);
    await subIdsStep(ctx);
    const partnerIds = await targetPartnersStep(ctx);
    await credentialsStep(ctx, partnerIds);
    await sendStep(ctx);
  },
  { rollback: false },
);
