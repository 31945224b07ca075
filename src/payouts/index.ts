/**
 * Payouts: money paid to partners, learnt from real sources (docs/payouts.md).
 * - `groupPaidCommissions(db, { now })`: commissions Ontraport marks paid become payouts (run after each sync).
 * - `planMassPay` / `recordMassPayBatch`: the next MassPay file's rows, remembered with a key per row.
 * - `confirmMasspay(db, { file, actor, dryRun })`: PayPal's result file records the payouts, once, in one
 *   transaction; `file` is the file's text or rows from `parsePaypalResult`. Used by `partnergate payouts
 *   confirm` and by the admin area's upload page.
 * - `listPayouts(db, partnerId)` / `payoutStatement(db, partnerId, payoutId)`: what a partner sees, scoped.
 */
export { groupPaidCommissions, type GroupedPayouts } from './ontraport-payouts.js';
export { planMassPay, recordMassPayBatch, paypalEmailProblem, type MassPayOptions, type MassPayPlan, type MassPayPayee, type MassPaySkippedPartner } from './masspay-batch.js';
export { parsePaypalResult, type PaypalResultRow, type ParsedPaypalResult, type PaypalOutcome } from './masspay-result.js';
export { confirmMasspay, type ConfirmMasspayInput, type ConfirmMasspayResult, type ConfirmedRow } from './masspay-confirm.js';
export { listPayouts, payoutStatement, type PayoutSummary, type PayoutStatement, type StatementLine } from './statement.js';
