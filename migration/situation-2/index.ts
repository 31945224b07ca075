/**
 * Situation 2, an Ontraport membership site with the partner center on WordPress (PilotPress): as situation 1,
 * plus the legacy site read through wp-shim's export (users matched to partners by email, the unmatched
 * reported, PayPal emails and SubIDs carried over), "the partner center has moved" emails, and finally WordPress
 * switched: partners go to the new center after login and the old page answers 301. Rollback undoes the switch.
 */
import { legacyMigrationSteps } from '../common/legacy-flow.js';
import { defineSituation } from '../common/situation.js';
import { switchWordPressStep } from '../common/steps/switch.js';

export const situation2 = defineSituation(
  'situation-2',
  'membership site + WordPress partner center: match WordPress users, carry over, issue credentials, switch WordPress to the new center',
  async (ctx) => {
    await legacyMigrationSteps(ctx);
    await switchWordPressStep(ctx);
  },
  { rollback: true },
);
