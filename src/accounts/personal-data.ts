/**
 * What identity holds about a partner, for their data download and for erasure: the partner's sign-in
 * accounts (no password hash, TOTP seed or token), their sessions' metadata, the audit entries about them, and
 * their API keys' metadata. Erasure ends every way in: sessions, one-time tokens, API keys, the password, TOTP,
 * the OpenID and WordPress links, and the email an account is found by; the account stays (as disabled, with
 * a placeholder address) so the audit log's references still resolve.
 */
import type { Db } from '../store/index.js';
import { apiKeyView, type ApiKeyView } from './api-keys.js';
import * as keys from './api-keys.repo.js';
import { expireTokens } from './one-time-tokens.repo.js';

export interface IdentityData {
  accounts: Array<{ id: number; email: string; role: string; createdAt: number; passwordSet: boolean; passwordChangedAt: number | null; totpEnabled: boolean; openIdLinked: boolean; wordpressLinked: boolean; disabledAt: number | null }>;
  sessions: Array<{ accountId: number; authMethod: string; createdAt: number; lastSeenAt: number; idleExpiresAt: number; absoluteExpiresAt: number; ip: string | null; userAgent: string | null }>;
  audit: Array<{ id: number; at: number; action: string; actorAccountId: number | null; details: unknown; ip: string | null; requestId: string | null }>;
  apiKeys: ApiKeyView[];
}

const accountIdsOf = async (db: Db, partnerId: number) => (await db.selectFrom('accounts').select('id').where('partner_id', '=', partnerId).execute()).map((r) => r.id);

function parsed(json: string | null): unknown {
  if (json === null) return null;
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return json;
  }
}

export async function identityDataOfPartner(db: Db, partnerId: number): Promise<IdentityData> {
  const accounts = await db
    .selectFrom('accounts')
    .select(['id', 'email', 'role', 'created_at', 'password_hash', 'password_changed_at', 'totp_enabled', 'oidc_subject', 'wp_user_id', 'disabled_at'])
    .where('partner_id', '=', partnerId)
    .orderBy('id')
    .execute();
  const ids = accounts.map((a) => a.id);
  const sessions = ids.length
    ? await db.selectFrom('sessions').select(['account_id', 'auth_method', 'created_at', 'last_seen_at', 'idle_expires_at', 'absolute_expires_at', 'ip', 'user_agent']).where('account_id', 'in', ids).orderBy('created_at').execute()
    : [];
  const audit = await db
    .selectFrom('audit_log')
    .select(['id', 'at', 'action', 'actor_account_id', 'details_json', 'ip', 'request_id'])
    .where((eb) => (ids.length ? eb.or([eb('partner_id', '=', partnerId), eb('actor_account_id', 'in', ids)]) : eb('partner_id', '=', partnerId)))
    .orderBy('id')
    .execute();
  return {
    accounts: accounts.map((a) => ({
      id: a.id, email: a.email, role: a.role, createdAt: Number(a.created_at), passwordSet: a.password_hash !== null, passwordChangedAt: a.password_changed_at === null ? null : Number(a.password_changed_at),
      totpEnabled: Boolean(a.totp_enabled), openIdLinked: a.oidc_subject !== null, wordpressLinked: a.wp_user_id !== null, disabledAt: a.disabled_at === null ? null : Number(a.disabled_at),
    })),
    sessions: sessions.map((s) => ({
      accountId: s.account_id, authMethod: s.auth_method, createdAt: Number(s.created_at), lastSeenAt: Number(s.last_seen_at), idleExpiresAt: Number(s.idle_expires_at), absoluteExpiresAt: Number(s.absolute_expires_at), ip: s.ip, userAgent: s.user_agent,
    })),
    audit: audit.map((r) => ({ id: r.id, at: Number(r.at), action: r.action, actorAccountId: r.actor_account_id, details: parsed(r.details_json), ip: r.ip, requestId: r.request_id })),
    apiKeys: (await keys.listForPartner(db, partnerId, { withRevoked: true })).map(apiKeyView),
  };
}

export interface IdentityErasure {
  accounts: number;
  sessions: number;
  tokens: number;
  apiKeys: number;
  auditEntriesScrubbed: number;
}

/** The placeholder address an erased account keeps: unique, in a reserved domain no mail or sign-in matches. */
export const erasedEmail = (accountId: number) => `erased-${accountId}@erased.invalid`;

/**
 * Ends every way into the partner's accounts and removes what identifies the person (inside the caller's
 * transaction). Audit entries about the partner keep their action and time but lose the address they came
 * from and any details (which may quote an email address).
 */
export async function eraseIdentityOfPartner(db: Db, partnerId: number, now: number, opts: { dryRun?: boolean } = {}): Promise<IdentityErasure> {
  const ids = await accountIdsOf(db, partnerId);
  const count = async (q: Promise<{ n: number | string | bigint }>) => Number((await q).n);
  if (opts.dryRun) {
    return {
      accounts: ids.length,
      sessions: ids.length ? await count(db.selectFrom('sessions').select((eb) => eb.fn.countAll<number>().as('n')).where('account_id', 'in', ids).executeTakeFirstOrThrow()) : 0,
      tokens: ids.length ? await count(db.selectFrom('one_time_tokens').select((eb) => eb.fn.countAll<number>().as('n')).where('account_id', 'in', ids).where('used_at', 'is', null).executeTakeFirstOrThrow()) : 0,
      apiKeys: await keys.countActive(db, partnerId),
      auditEntriesScrubbed: await count(db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).where('partner_id', '=', partnerId).executeTakeFirstOrThrow()),
    };
  }
  let sessions = 0;
  let tokens = 0;
  if (ids.length) {
    sessions = Number((await db.deleteFrom('sessions').where('account_id', 'in', ids).executeTakeFirst()).numDeletedRows);
    tokens = await expireTokens(db, ids, now);
    for (const id of ids) {
      await db
        .updateTable('accounts')
        .set({ email: erasedEmail(id), password_hash: null, totp_secret: null, totp_enabled: 0, totp_recovery_json: null, totp_last_step: null, oidc_subject: null, wp_user_id: null, disabled_at: now })
        .where('id', '=', id)
        .execute();
    }
  }
  const apiKeys = await keys.revokeAllOfPartner(db, partnerId, now);
  const scrubbed = await db.updateTable('audit_log').set({ ip: null, details_json: null }).where('partner_id', '=', partnerId).executeTakeFirst();
  return { accounts: ids.length, sessions, tokens, apiKeys, auditEntriesScrubbed: Number(scrubbed.numUpdatedRows) };
}
