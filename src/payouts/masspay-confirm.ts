/**
 * Confirming a MassPay run from PayPal's result file: each row PayPal reports completed becomes a payout of its
 * partner covering the commissions its MassPay item listed; rows reported failed, unclaimed, returned... stay
 * unpaid (their commissions go into the next MassPay file) and are listed.
 *
 * - Never twice: the payout's source key is `masspay:<item key>` (unique), so running the confirmation again,
 *   in another process or with the same file renamed, records nothing new and says which rows were recorded.
 * - Never half: the file is read and checked first (every bad row named, nothing written), then every row is
 *   applied in one transaction. A dry run goes through the same transaction and rolls it back.
 * - Rows are matched to what the file asked PayPal to pay by the "unique id" column (the item key); a report
 *   that dropped that column is matched by recipient and amount among unpaid items, when exactly one fits.
 */
import type { Kysely } from 'kysely';
import { AppError, DryRunRollback } from '../common/index.js';
import { recordAudit } from '../accounts/index.js';
import type { Database } from '../store/index.js';
import { recordEvents } from '../notifications/events.repo.js';
import { parsePaypalResult, type PaypalResultRow } from './masspay-result.js';
import { firstCoveredCommission, insertPayoutOnce, linkCommissions, markBatchesConfirmed, massPayItemsByKey, settleMassPayItem, unpaidMassPayItemsFor, type Db, type MassPayItemRow } from './payouts.repo.js';

export interface ConfirmMasspayInput {
  /** PayPal's result file as text, or rows already parsed (e.g. by a web form). */
  file: string | readonly PaypalResultRow[];
  /** Who confirms (audit): an account, or null for the CLI run by an operator on the host. */
  actor: { accountId: number | null; requestId?: string | null };
  dryRun?: boolean;
  now?: number;
  /** Called after each row is applied. */
  onProgress?: (done: number, total: number) => void;
}

export interface ConfirmedRow {
  row: number;
  partnerId: number;
  itemKey: string;
  amountCents: number;
  currency: string;
  transactionId: string | null;
  payoutId: number | null;
  commissions: number;
}

export interface ConfirmMasspayResult {
  dryRun: boolean;
  rows: number;
  /** Payouts recorded by this run (in a dry run: that would be recorded; `payoutId` null). */
  recorded: ConfirmedRow[];
  /** Rows a previous confirmation already recorded: nothing written. */
  alreadyRecorded: Array<{ row: number; partnerId: number; itemKey: string; payoutId: number | null }>;
  /** Rows PayPal did not pay: their commissions stay unpaid. */
  notPaid: Array<{ row: number; partnerId: number; itemKey: string; recipient: string; amountCents: number; currency: string; status: string }>;
  /** Rows whose commissions another payout (e.g. one learnt from Ontraport) already covers: not recorded again. */
  conflicts: Array<{ row: number; partnerId: number; itemKey: string; reason: string }>;
}


/** Finds the MassPay item of each row, or names why it cannot. */
async function matchRows(db: Db, rows: readonly PaypalResultRow[]): Promise<{ items: Map<number, MassPayItemRow>; problems: string[] }> {
  const byKey = await massPayItemsByKey(db, rows.flatMap((r) => (r.uniqueId ? [r.uniqueId] : [])));
  const items = new Map<number, MassPayItemRow>();
  const problems: string[] = [];
  const seen = new Map<string, number>();
  for (const r of rows) {
    let item: MassPayItemRow | undefined;
    if (r.uniqueId) {
      item = byKey.get(r.uniqueId);
      if (!item) problems.push(`row ${r.row}: unique id ${JSON.stringify(r.uniqueId)} is not in any MassPay file Partnergate wrote`);
    } else {
      const fits = (await unpaidMassPayItemsFor(db, r.recipient)).filter((i) => Number(i.amount_cents) === r.amountCents && i.currency === r.currency);
      if (fits.length === 1) item = fits[0];
      else problems.push(`row ${r.row}: no unique id column, and ${fits.length} unpaid MassPay items match ${r.recipient} ${r.currency} ${r.amountCents / 100} (expected exactly 1)`);
    }
    if (!item) continue;
    if (item.paypal_email.toLowerCase() !== r.recipient.toLowerCase()) problems.push(`row ${r.row}: recipient ${r.recipient} is not the PayPal email ${item.paypal_email} the MassPay file had for ${item.item_key}`);
    else if (Number(item.amount_cents) !== r.amountCents || item.currency !== r.currency) problems.push(`row ${r.row}: amount ${r.amountCents / 100} ${r.currency} is not the ${Number(item.amount_cents) / 100} ${item.currency} the MassPay file had for ${item.item_key}`);
    else if (seen.has(item.item_key)) problems.push(`row ${r.row}: ${item.item_key} appears again (first in row ${seen.get(item.item_key)})`);
    else {
      seen.set(item.item_key, r.row);
      items.set(r.row, item);
    }
  }
  return { items, problems };
}

/**
 * Records the payouts PayPal's result file confirms. Throws `request.invalid_field` (field `file`) naming every
 * unusable row when any row cannot be read or matched; nothing is written then.
 */
export async function confirmMasspay(db: Kysely<Database>, input: ConfirmMasspayInput): Promise<ConfirmMasspayResult> {
  const now = input.now ?? Date.now();
  const parsed = typeof input.file === 'string' ? parsePaypalResult(input.file) : { rows: [...input.file], problems: [] };
  const fail = (problems: string[]) =>
    new AppError('request.invalid_field', `file: ${problems.length} problem${problems.length === 1 ? '' : 's'}, nothing recorded: ${problems.slice(0, 50).join(' | ')}`, { field: 'file' });
  if (parsed.problems.length) throw fail(parsed.problems);
  const result: ConfirmMasspayResult = { dryRun: Boolean(input.dryRun), rows: parsed.rows.length, recorded: [], alreadyRecorded: [], notPaid: [], conflicts: [] };
  try {
    await db.transaction().execute(async (trx) => {
      const { items, problems } = await matchRows(trx, parsed.rows);
      if (problems.length) throw fail(problems);
      const batches = new Set<number>();
      let done = 0;
      for (const r of parsed.rows) {
        const item = items.get(r.row)!;
        batches.add(item.batch_id);
        await applyRow(trx, r, item, result, now);
        input.onProgress?.(++done, parsed.rows.length);
      }
      await markBatchesConfirmed(trx, [...batches], now);
      await recordAudit(trx, {
        action: 'payouts.masspay_confirm', actorAccountId: input.actor.accountId, partnerId: null, at: now, requestId: input.actor.requestId ?? null,
        details: { rows: result.rows, recorded: result.recorded.length, alreadyRecorded: result.alreadyRecorded.length, notPaid: result.notPaid.length, conflicts: result.conflicts.length, totalCents: result.recorded.reduce((s, x) => s + x.amountCents, 0) },
      });
      if (input.dryRun) throw new DryRunRollback();
    });
  } catch (err) {
    if (!(err instanceof DryRunRollback)) throw err;
    for (const r of result.recorded) r.payoutId = null;
  }
  return result;
}

async function applyRow(trx: Db, r: PaypalResultRow, item: MassPayItemRow, result: ConfirmMasspayResult, now: number): Promise<void> {
  const ref = { row: r.row, partnerId: item.partner_id, itemKey: item.item_key };
  if (item.status === 'paid') {
    result.alreadyRecorded.push({ ...ref, payoutId: item.payout_id });
    return;
  }
  if (r.outcome === 'not_paid') {
    await settleMassPayItem(trx, item.id, { status: 'failed', paypalStatus: r.status, payoutId: null, now });
    result.notPaid.push({ ...ref, recipient: r.recipient, amountCents: r.amountCents, currency: r.currency, status: r.status });
    return;
  }
  const commissionIds = JSON.parse(item.commission_ids_json) as number[];
  const covered = await firstCoveredCommission(trx, commissionIds);
  if (covered) {
    result.conflicts.push({ ...ref, reason: `commission ${covered.id} is already in payout ${covered.payout_id}` });
    return;
  }
  const payoutId = await insertPayoutOnce(trx, {
    partnerId: item.partner_id, amountCents: r.amountCents, currency: r.currency, method: 'paypal', reference: r.transactionId, paidAt: now,
    source: 'masspay', sourceKey: `masspay:${item.item_key}`, now,
  });
  if (payoutId === null) {
    result.alreadyRecorded.push({ ...ref, payoutId: null });
    return;
  }
  const commissions = await linkCommissions(trx, payoutId, item.partner_id, commissionIds);
  await settleMassPayItem(trx, item.id, { status: 'paid', paypalStatus: r.status, payoutId, now });
  await recordEvents(trx, [{ partnerId: item.partner_id, kind: 'payout_sent', subjectId: payoutId, amountCents: r.amountCents, currency: r.currency, at: now }]);
  result.recorded.push({ ...ref, amountCents: r.amountCents, currency: r.currency, transactionId: r.transactionId, payoutId, commissions });
}
