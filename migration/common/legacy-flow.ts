/**
 * The steps situations 2 and 3 share: import, read the legacy site, match, carry over, configure, issue the
 * "the partner center has moved" credentials and send them. What differs is what happens before WordPress is
 * switched (situation 3 first checks the partner center's own host).
 */
import type { ApplyContext } from './context.js';
import { credentialsStep, sendStep, targetPartnersStep } from './steps/credentials.js';
import { carryOverStep, legacyExportStep, wordpressOf } from './steps/legacy.js';
import { matchStep } from './steps/match.js';
import { importStep, partnerCenterStep, subIdsStep } from './steps/setup.js';

export async function legacyMigrationSteps(ctx: ApplyContext): Promise<void> {
  const wordpress = wordpressOf(ctx);
  await importStep(ctx);
  const snapshot = await legacyExportStep(ctx);
  await matchStep(ctx);
  await carryOverStep(ctx);
  await partnerCenterStep(ctx);
  await subIdsStep(ctx);
  const partnerIds = await targetPartnersStep(ctx);
  await credentialsStep(ctx, partnerIds, { legacyUrl: snapshot.page?.url || `${wordpress.url}/affiliate-center/` });
  await sendStep(ctx);
}
