/**
 * Erasing a partner (the administrator's `partners erase` and the admin area's button): in one transaction,
 * the person's data is replaced (name, email, PayPal address, alias, time zone; the addresses of their emails in
 * the outbox and of their MassPay rows; their notification choices), every way in is ended (identity's
 * `eraseIdentityOfPartner`: sessions, one-time tokens, API keys, password, TOTP, OpenID and WordPress links),
 * the partner is made inactive, and a tombstone tells the Ontraport sync to leave that contact's personal fields
 * alone from now on. What accounting needs stays: commission and payout rows (ids, amounts, currencies, dates,
 * statuses), the partner id and referral code (the Ontraport contact id). Either all of it happens or none.
 */
import { AppError } from '../common/index.js';
import { eraseIdentityOfPartner, erasedEmail, recordAudit, type IdentityErasure } from '../accounts/index.js';
import type { Db, Kysely, Database } from '../store/index.js';
import { ERASED_CONTACT, ObjectType } from '../ontraport/index.js';
import * as repo from './partner-data.repo.js';

const ERASED_ADDRESS = 'erased@erased.invalid';

export interface ErasureReport {
  partnerId: number;
  dryRun: boolean;
  /** Already erased before this run: nothing was changed. */
  alreadyErased: boolean;
  identity: IdentityErasure;
  outboxEmails: number;
  ontraportWriteBacks: number;
  massPayRows: number;
  kept: string[];
}

const KEPT = ['commissions (ids, amounts, currencies, dates, statuses)', 'payouts (ids, amounts, dates, methods, references)', 'partner id and referral code', 'audit log actions and times'];

export interface EraseInput {
  partnerId: number;
  now: number;
  dryRun?: boolean;
  /** The administrator's account; null for the CLI. */
  actorAccountId?: number | null;
  ip?: string | null;
  requestId?: string | null;
}

async function erasePartnerIn(trx: Db, input: EraseInput): Promise<ErasureReport> {
  const { partnerId, now } = input;
  const dryRun = input.dryRun ?? false;
  const profile = await repo.profileRows(trx, partnerId);
  if (!profile) throw new AppError('not_found', `partner: there is no partner ${partnerId}`, { field: 'partner' });
  if (await repo.erasureOf(trx, partnerId)) {
    return { partnerId, dryRun, alreadyErased: true, identity: { accounts: 0, sessions: 0, tokens: 0, apiKeys: 0, auditEntriesScrubbed: 0 }, outboxEmails: 0, ontraportWriteBacks: 0, massPayRows: 0, kept: KEPT };
  }
  const accountEmails = (await trx.selectFrom('accounts').select('email').where('partner_id', '=', partnerId).execute()).map((a) => a.email);
  const addresses = [...new Set([...accountEmails, profile.email, profile.paypal_email].filter((e): e is string => Boolean(e)))];
  const outbox = trx.updateTable('email_outbox').where('to_address', 'in', addresses.length ? addresses : ['']);
  const writeBacks = trx.deleteFrom('ontraport_outbox').where('object_type', '=', ObjectType.Contact).where('record_id', '=', Number(profile.contact_ontraport_id ?? -1)).where('status', '<>', 'done');
  const massPay = trx.updateTable('masspay_items').where('partner_id', '=', partnerId);
  if (dryRun) {
    const n = async (table: 'email_outbox' | 'masspay_items', col: 'to_address' | 'partner_id', v: string[] | number) =>
      Number((await trx.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where(col, Array.isArray(v) ? 'in' : '=', Array.isArray(v) ? (v.length ? v : ['']) : v).executeTakeFirstOrThrow()).n);
    const pendingWriteBacks = Number((await trx.selectFrom('ontraport_outbox').select((eb) => eb.fn.countAll<number>().as('n')).where('object_type', '=', ObjectType.Contact).where('record_id', '=', Number(profile.contact_ontraport_id ?? -1)).where('status', '<>', 'done').executeTakeFirstOrThrow()).n);
    return {
      partnerId, dryRun, alreadyErased: false, identity: await eraseIdentityOfPartner(trx, partnerId, now, { dryRun: true }),
      outboxEmails: await n('email_outbox', 'to_address', addresses), ontraportWriteBacks: pendingWriteBacks, massPayRows: await n('masspay_items', 'partner_id', partnerId), kept: KEPT,
    };
  }
  const identity = await eraseIdentityOfPartner(trx, partnerId, now);
  await trx.updateTable('contacts').set({ ...ERASED_CONTACT, updated_at: now }).where('id', '=', profile.contact_id).execute();
  await trx.updateTable('partners').set({ paypal_email: null, alias: null, time_zone: null, status: 'inactive', updated_at: now }).where('id', '=', partnerId).execute();
  await trx.deleteFrom('notification_prefs').where('partner_id', '=', partnerId).execute();
  // Emails to them: the address and the (sealed) parameters go; unsent ones are never sent.
  const outboxEmails = Number(
    (await outbox.set((eb) => ({ to_address: ERASED_ADDRESS, params_json: '{}', status: eb.case().when('status', 'in', ['queued', 'sending']).then('failed' as const).else(eb.ref('status')).end(), last_error: 'partner erased' })).executeTakeFirst()).numUpdatedRows,
  );
  const ontraportWriteBacks = Number((await writeBacks.executeTakeFirst()).numDeletedRows);
  const massPayRows = Number((await massPay.set({ paypal_email: ERASED_ADDRESS }).executeTakeFirst()).numUpdatedRows);
  await trx.insertInto('partner_erasures').values({ partner_id: partnerId, contact_ontraport_id: profile.contact_ontraport_id, erased_at: now, erased_by: input.actorAccountId ?? null }).execute();
  const report: ErasureReport = { partnerId, dryRun, alreadyErased: false, identity, outboxEmails, ontraportWriteBacks, massPayRows, kept: KEPT };
  await recordAudit(trx, { action: 'partner.erased', at: now, actorAccountId: input.actorAccountId ?? null, partnerId, details: { ...identity, outboxEmails, ontraportWriteBacks, massPayRows }, ip: input.ip ?? null, requestId: input.requestId ?? null });
  return report;
}

/** Erases the partner in one transaction (a dry run only counts, and changes nothing). */
export async function erasePartner(db: Kysely<Database>, input: EraseInput): Promise<ErasureReport> {
  return db.transaction().execute((trx) => erasePartnerIn(trx, input));
}

/** The accounts an erased partner's accounts now carry, for checks and the admin area. */
export { erasedEmail };
