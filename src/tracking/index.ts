/**
 * Click tracking by the gateway: every request for the site passes through it, so a request that follows a
 * partner's link (`?orid=`, with `opid` / `sid`) or comes back with the attribution cookie set on such a landing
 * is recorded in `visits`, once per partner, visitor and UTC day, without slowing the pass-through
 * (see CONTEXT.md).
 */
export { createClickRecorder, type ClickRecorder, type ClickRecorderDeps, type ClickStats } from './recorder.js';
export { CRAWLER_UA, isNotAVisit, isPageLoad, referralOf, attributionIn, formatAttribution, type Attribution, type Referral } from './classify.js';
