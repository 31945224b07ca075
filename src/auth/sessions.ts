/**
 * Server-side sessions. The cookie holds only an opaque random id; the store keeps its hash, the account,
 * the CSRF secret and the expiry times, so every gateway instance on the same store sees the same sessions and
 * a sign-out anywhere ends the session everywhere. A new id is issued at every sign-in (no fixation).
 */
import type { Kysely } from 'kysely';
import type { Database, Session } from '../store/index.js';
import { sessionRows as repo } from '../accounts/index.js';
import { hmac, randomToken, safeEqual, sha256 } from '../common/tokens.js';

export type { SessionPartnerRow, SessionWithAccount } from '../accounts/index.js';

export interface SessionPolicy {
  idleMs: number;
  absoluteMs: number;
  /** Write last_seen at most this often, so a busy partner does not cost a write per request. */
  touchEveryMs: number;
}

export interface OpenedSession {
  cookieValue: string;
  session: Session;
}

export type AuthMethod = Session['auth_method'];

export function sessionPolicyFrom(config: { sessionIdleMinutes: number; sessionAbsoluteHours: number }): SessionPolicy {
  return { idleMs: config.sessionIdleMinutes * 60_000, absoluteMs: config.sessionAbsoluteHours * 3_600_000, touchEveryMs: 60_000 };
}

/**
 * Opens a new session for an account. Any session the browser carried before (`previousCookie`) is deleted:
 * a sign-in always gets a fresh id.
 */
export async function openSession(
  db: Kysely<Database>,
  policy: SessionPolicy,
  input: { accountId: number; method: AuthMethod; ip?: string | null; userAgent?: string | null; previousCookie?: string | null; now?: number; oidc?: { sid?: string | null; sub?: string | null; tokensJson?: string | null }; totpPending?: boolean },
): Promise<OpenedSession> {
  const now = input.now ?? Date.now();
  const cookieValue = randomToken(32);
  const session: Session = {
    id_hash: sha256(cookieValue),
    account_id: input.accountId,
    auth_method: input.method,
    csrf_secret: randomToken(32),
    created_at: now,
    last_seen_at: now,
    idle_expires_at: now + policy.idleMs,
    absolute_expires_at: now + policy.absoluteMs,
    // WordPress vouched for this browser, but no password or provider sign-in happened here: sensitive changes
    // (two-factor, PayPal email) ask for one first (`/sso/confirm`).
    reauth_at: input.method === 'wordpress' ? 0 : now,
    oidc_sid: input.oidc?.sid ?? null,
    oidc_sub: input.oidc?.sub ?? null,
    oidc_tokens_json: input.oidc?.tokensJson ?? null,
    totp_pending: input.totpPending ? 1 : 0,
    ip: input.ip?.slice(0, 64) ?? null,
    user_agent: input.userAgent?.slice(0, 256) ?? null,
  };
  await db.transaction().execute(async (trx) => {
    if (input.previousCookie) await repo.deleteSession(trx, sha256(input.previousCookie));
    await repo.insertSession(trx, session);
  });
  return { cookieValue, session };
}

/** The live session for a cookie value, or undefined when unknown, expired or the account is disabled. */
export async function resolveSession(db: Kysely<Database>, policy: SessionPolicy, cookieValue: string | undefined, now = Date.now()): Promise<repo.SessionWithAccount | undefined> {
  if (!cookieValue || cookieValue.length > 100) return undefined;
  const idHash = sha256(cookieValue);
  const s = await repo.findSessionWithAccount(db, idHash);
  if (!s) return undefined;
  if (s.idle_expires_at <= now || s.absolute_expires_at <= now || s.disabled_at !== null) {
    // Refused whether or not the row can go now (disk full, read-only store): the expiry purge removes it later.
    await repo.deleteSession(db, idHash).catch(() => undefined);
    return undefined;
  }
  if (now - s.last_seen_at >= policy.touchEveryMs) {
    const idle = Math.min(now + policy.idleMs, s.absolute_expires_at);
    // A failed "last seen" write (disk full, read-only store) must not fail a read: the old idle expiry stands.
    await repo.touchSession(db, idHash, now, idle).catch(() => undefined);
    s.last_seen_at = now;
    s.idle_expires_at = idle;
  }
  return s;
}

export async function closeSession(db: Kysely<Database>, cookieValue: string | undefined): Promise<void> {
  if (cookieValue) await repo.deleteSession(db, sha256(cookieValue));
}

export const endAccountSessions = repo.deleteAccountSessions;
export const endSessionsByOidcSid = repo.deleteSessionsByOidcSid;
export const endSessionsByOidcSub = repo.deleteSessionsByOidcSub;
export const purgeExpiredSessions = repo.deleteExpiredSessions;
export const updateSession = repo.updateSession;

/** The CSRF token for forms of this session: an HMAC of the session's secret, so it dies with the session. */
export function csrfTokenFor(session: Pick<Session, 'csrf_secret'>): string {
  return hmac(session.csrf_secret, 'partnergate-csrf-v1');
}

export function csrfTokenValid(session: Pick<Session, 'csrf_secret'>, token: unknown): boolean {
  return typeof token === 'string' && safeEqual(csrfTokenFor(session), token);
}
