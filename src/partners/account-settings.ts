/**
 * Settings a partner changes: PayPal email and sign-in email (each confirmed from a link sent to the new
 * address, with a notice to the old one, an audit row, and for PayPal the Ontraport write-back queued in the
 * same transaction as the change), and time zone. The password is changed by the auth capability
 * (`POST /sso/password`).
 */
import type { Kysely, Transaction } from 'kysely';
import { AppError, fieldProblem, maskEmail, sha256, type DataKeyring } from '../common/index.js';
import { countAttempt, type SessionWithAccount } from '../auth/index.js';
import { consumeToken, enteredEmail, expireAccountTokens, issueToken, peekToken, pendingToken, recordAudit, type TokenPurpose } from '../accounts/index.js';
import { queueEmail } from '../mail/index.js';
import { catalogues, DEFAULT_LOCALE, recipientLocale, t } from '../i18n/index.js';
import type { Database, StoreKind } from '../store/index.js';
import type { PartnerProfile } from './profile.js';
import { validTimeZone } from './profile.js';
import { queueContactUpdate } from '../ontraport/index.js';
import { findAccount, findAccountIdByEmail, updateAccountEmail, updatePartnerPaypalEmail, updatePartnerTimeZone, updatePartnerLocale, findPartnerForChange } from './repos/profile.repo.js';
import { requireReauth, type PasswordConfirmer } from './reauth.js';

export interface SettingsDeps {
  db: Kysely<Database>;
  storeKind: StoreKind;
  now: () => number;
  /** Origin of the partner center, for the confirmation links. */
  publicUrl: string;
  tokenTtlMinutes: number;
  /** Seals the queued emails' parameters (the confirmation link). */
  dataKeys: DataKeyring;
  /** Name of the OpenID Provider, for "sign in again with ...". */
  providerName: string;
  /** The auth capability's password check (throttled, records `reauth_at`). */
  confirmPassword: PasswordConfirmer;
}

/** Who asks, from where: for the audit log. */
export interface Actor {
  session: SessionWithAccount;
  partnerId: number;
  ip: string | null;
  requestId: string | null;
  /** The language messages for this actor are written in (default English). */
  locale?: string;
}

export type ChangeKind = 'paypal' | 'login_email';

type ConfirmPurpose = Extract<TokenPurpose, 'paypal_confirm' | 'email_confirm'>;
const purposeOf: Record<ChangeKind, ConfirmPurpose> = { paypal: 'paypal_confirm', login_email: 'email_confirm' };
const whatOf: Record<ChangeKind, string> = { paypal: 'PayPal email', login_email: 'sign-in email' };
const confirmPathOf: Record<ChangeKind, string> = { paypal: '/partner-center/settings/paypal/confirm', login_email: '/partner-center/settings/email/confirm' };

export { maskEmail };

interface ChangePayload {
  partnerId: number;
  newValue: string;
}

export interface PendingChange {
  kind: ChangeKind;
  newValue: string;
  expiresAt: number;
}

/** Change requests one account may make, and confirmations one address may receive, per throttle window. */
export const CHANGE_REQUESTS_PER_ACCOUNT = 10;
export const CONFIRMATIONS_PER_ADDRESS = 3;

/**
 * Confirmation emails cost the gateway's sender reputation and can pester a stranger: counted per requesting
 * account and per destination address (the throttle's second key holds the address's hash here, not an IP).
 */
async function throttleChangeRequest(d: SettingsDeps, accountId: number, newValue: string, now: number, locale: string): Promise<void> {
  const verdict = await countAttempt(
    d.db,
    { account: `settings-change:acct:${accountId}`, ip: `settings-change:to:${sha256(newValue.toLowerCase())}` },
    { perAccount: CHANGE_REQUESTS_PER_ACCOUNT, perIp: CONFIRMATIONS_PER_ADDRESS },
    now,
  );
  if (!verdict.allowed) {
    throw new AppError('auth.throttled', t(locale, 'settings:errors.throttled', { minutes: Math.max(1, Math.ceil(verdict.retryAfterSeconds / 60)) }), { headers: { 'Retry-After': String(verdict.retryAfterSeconds) } });
  }
}

/**
 * Step 1 of a PayPal or sign-in email change: checks the address and the partner's identity, then (one
 * transaction) retires older links, stores the new link's hash, queues the confirmation to the new address and
 * the notice to the old one, and writes the audit row. Nothing changes until the link is confirmed.
 *
 * A new sign-in email that another account already uses gets the same answer, the same pending change and the
 * same notice as any other (else the form would tell anyone signed in which emails have accounts); that address
 * receives an "already has an account" email instead of a link, and the request can never be confirmed.
 * @returns the address the confirmation went to
 */
export async function requestEmailChange(d: SettingsDeps, actor: Actor, partner: PartnerProfile, kind: ChangeKind, input: { email: unknown; currentPassword: unknown }): Promise<{ sentTo: string }> {
  const field = kind === 'paypal' ? 'paypal_email' : 'login_email';
  const locale = actor.locale ?? DEFAULT_LOCALE;
  const parsed = enteredEmail(input.email);
  if (!parsed) throw fieldProblem(field, t(locale, 'settings:errors.email', { kind }));
  const newValue = kind === 'login_email' ? parsed.toLowerCase() : parsed;
  const account = await findAccount(d.db, actor.session.account_id);
  if (!account) throw new AppError('auth.required', 'Please sign in.');
  const current = kind === 'paypal' ? partner.paypalEmail : account.email;
  if (current && current.toLowerCase() === newValue.toLowerCase()) throw fieldProblem(field, t(locale, 'settings:errors.same', { kind }));
  const now = d.now();
  await requireReauth({ locale, session: actor.session, hasPassword: Boolean(account.password_hash), password: input.currentPassword, now, providerName: d.providerName, confirmPassword: d.confirmPassword });
  await throttleChangeRequest(d, account.id, newValue, now, locale);
  const owner = kind === 'login_email' ? await findAccountIdByEmail(d.db, newValue) : undefined;
  const addressInUse = owner !== undefined && owner !== account.id;

  const noticeTo = kind === 'paypal' ? (partner.paypalEmail ?? account.email) : account.email;
  await d.db.transaction().execute(async (trx) => {
    await expireAccountTokens(trx, account.id, purposeOf[kind], now);
    const payload: ChangePayload = { partnerId: partner.id, newValue };
    const { raw, id: tokenId } = await issueToken(trx, { purpose: purposeOf[kind], accountId: account.id, ttlMs: d.tokenTtlMinutes * 60_000, payload, now });
    // The partner's own emails in their language; `what` stays for templates that predate `kind`.
    const common = { what: whatOf[kind], kind, locale: recipientLocale(actor.session.partner?.locale), partnerName: partner.displayName };
    await queueEmail(
      trx,
      d.dataKeys,
      addressInUse
        ? { idempotencyKey: `partner-change:${kind}:in-use:${tokenId}`, to: newValue, template: 'partner-change-address-in-use', params: { what: whatOf[kind], kind, newAddress: newValue, forgotUrl: `${d.publicUrl}/sso/forgot` } }
        : {
            idempotencyKey: `partner-change:${kind}:confirm:${tokenId}`,
            to: newValue,
            template: 'partner-change-confirm',
            params: { ...common, newAddress: newValue, confirmUrl: `${d.publicUrl}${confirmPathOf[kind]}?token=${encodeURIComponent(raw)}`, expiresMinutes: d.tokenTtlMinutes },
          },
      now,
    );
    await queueEmail(
      trx,
      d.dataKeys,
      {
        idempotencyKey: `partner-change:${kind}:requested:${tokenId}`,
        to: noticeTo,
        template: 'partner-change-notice',
        params: { ...common, stage: 'requested', requested: true, newAddressMasked: maskEmail(newValue) },
      },
      now,
    );
    await auditChange(trx, actor, now, `partner.${kind}_change_requested`, { tokenId, to: maskEmail(newValue), ...(addressInUse ? { addressInUse: true } : {}) }, { accountId: account.id, partnerId: partner.id });
  });
  return { sentTo: newValue };
}

/** The audit row of a change this actor made, with the request's address and id (by default the actor's account and partner). */
function auditChange(trx: Transaction<Database>, actor: Actor, at: number, action: string, details: unknown, who = { accountId: actor.session.account_id, partnerId: actor.partnerId }): Promise<void> {
  return recordAudit(trx, { at, actorAccountId: who.accountId, partnerId: who.partnerId, action, details, ip: actor.ip, requestId: actor.requestId });
}

function tokenInvalid(kind: ChangeKind, locale = DEFAULT_LOCALE): AppError {
  return new AppError('auth.token_invalid', t(locale, 'settings:errors.tokenInvalid', { kind }), { field: 'token' });
}

function readPayload(json: string | null): ChangePayload | undefined {
  try {
    const p = JSON.parse(json ?? '') as Partial<ChangePayload>;
    return typeof p.partnerId === 'number' && typeof p.newValue === 'string' ? { partnerId: p.partnerId, newValue: p.newValue } : undefined;
  } catch {
    return undefined;
  }
}

/** What a confirmation link would change, without using it (for the confirmation page). */
export async function peekEmailChange(d: SettingsDeps, actor: Actor, kind: ChangeKind, raw: unknown): Promise<{ newValue: string; expiresAt: number }> {
  const row = await peekToken(d.db, raw, purposeOf[kind], d.now());
  const payload = readPayload(row?.payload_json ?? null);
  if (!row || row.account_id !== actor.session.account_id || payload?.partnerId !== actor.partnerId) {
    throw tokenInvalid(kind, actor.locale);
  }
  return { newValue: payload.newValue, expiresAt: row.expires_at };
}

/**
 * Step 2: applies the change from the link, once, in one transaction with its audit row, the notice to the old
 * address and (PayPal) the Ontraport write-back. The link works only for the account that asked for it.
 */
export async function confirmEmailChange(d: SettingsDeps, actor: Actor, kind: ChangeKind, raw: unknown): Promise<{ newValue: string }> {
  const now = d.now();
  return d.db.transaction().execute(async (trx) => {
    // A link of another account or partner is refused by the throw, which also rolls its use back.
    const row = await consumeToken(trx, d.storeKind, raw, purposeOf[kind], now);
    const payload = readPayload(row?.payload_json ?? null);
    if (!row || row.account_id === null || row.account_id !== actor.session.account_id || payload?.partnerId !== actor.partnerId) {
      throw tokenInvalid(kind, actor.locale);
    }
    const account = await findAccount(trx, row.account_id);
    const partner = await findPartnerForChange(trx, actor.partnerId);
    if (!account || !partner) throw tokenInvalid(kind, actor.locale);
    const what = whatOf[kind];
    const partnerName = `${partner.first_name} ${partner.last_name}`.trim();
    let oldValue: string | null;
    if (kind === 'paypal') {
      oldValue = partner.paypal_email;
      await updatePartnerPaypalEmail(trx, partner.id, payload.newValue, now);
      if (partner.contact_ontraport_id !== null) {
        await queueContactUpdate(trx, { idempotencyKey: `paypal:partner:${partner.id}:${row.id}`, contactOntraportId: Number(partner.contact_ontraport_id), fields: { aff_paypal: payload.newValue }, now });
      }
    } else {
      oldValue = account.email;
      const owner = await findAccountIdByEmail(trx, payload.newValue);
      if (owner !== undefined && owner !== account.id) throw new AppError('conflict', t(actor.locale ?? DEFAULT_LOCALE, 'settings:errors.addressTaken'), { field: 'login_email' });
      await updateAccountEmail(trx, account.id, payload.newValue);
    }
    const noticeTo = kind === 'paypal' ? (oldValue ?? account.email) : oldValue;
    if (noticeTo) {
      await queueEmail(
        trx,
        d.dataKeys,
        { idempotencyKey: `partner-change:${kind}:applied:${row.id}`, to: noticeTo, template: 'partner-change-notice', params: { what, kind, locale: recipientLocale(actor.session.partner?.locale), partnerName, stage: 'applied', applied: true, newAddressMasked: maskEmail(payload.newValue) } },
        now,
      );
    }
    const ontraportWriteBack = kind === 'paypal' ? partner.contact_ontraport_id !== null : undefined;
    await auditChange(trx, actor, now, `partner.${kind}_changed`, { tokenId: row.id, from: oldValue, to: payload.newValue, ontraportWriteBack }, { accountId: account.id, partnerId: partner.id });
    return { newValue: payload.newValue };
  });
}

/** Changes still waiting for their confirmation link, for the settings page. */
export async function pendingChanges(d: SettingsDeps, accountId: number): Promise<PendingChange[]> {
  const now = d.now();
  const out: PendingChange[] = [];
  for (const kind of ['paypal', 'login_email'] as ChangeKind[]) {
    const row = await pendingToken(d.db, accountId, purposeOf[kind], now);
    const payload = readPayload(row?.payload_json ?? null);
    if (row && payload) out.push({ kind, newValue: payload.newValue, expiresAt: row.expires_at });
  }
  return out;
}

/** Sets the partner's time zone ('' = the configured default). */
export async function changeTimeZone(d: SettingsDeps, actor: Actor, raw: unknown): Promise<string | null> {
  const text = typeof raw === 'string' ? raw.trim() : '';
  const zone = text === '' ? null : text;
  if (zone !== null && (zone.length > 64 || !validTimeZone(zone))) throw fieldProblem('time_zone', t(actor.locale ?? DEFAULT_LOCALE, 'settings:tz.invalid'));
  const now = d.now();
  await d.db.transaction().execute(async (trx) => {
    await updatePartnerTimeZone(trx, actor.partnerId, zone, now);
    await auditChange(trx, actor, now, 'partner.time_zone_changed', { to: zone });
  });
  return zone;
}

/** Sets the partner's language ('' = follow the browser); only a loaded catalogue's language is accepted. */
export async function changeLocale(d: SettingsDeps, actor: Actor, raw: unknown): Promise<string | null> {
  const text = typeof raw === 'string' ? raw.trim() : '';
  const locale = text === '' ? null : catalogues().supported(text.slice(0, 35));
  if (locale === undefined) throw fieldProblem('locale', t(actor.locale ?? DEFAULT_LOCALE, 'settings:language.invalid'));
  const now = d.now();
  await d.db.transaction().execute(async (trx) => {
    await updatePartnerLocale(trx, actor.partnerId, locale, now);
    await auditChange(trx, actor, now, 'partner.locale_changed', { to: locale });
  });
  return locale;
}

export async function accountEmailOf(d: SettingsDeps, accountId: number): Promise<{ email: string; hasPassword: boolean }> {
  const a = await findAccount(d.db, accountId);
  return { email: a?.email ?? '', hasPassword: Boolean(a?.password_hash) };
}
