/**
 * The WordPress hand-off: a partner signed in to WordPress follows a link the wp-shim plugin signs, and lands
 * signed in to the partner center. The token is a compact JWT (HS256) with iss, aud (the gateway's origin),
 * sub (WordPress user id), email, jti, iat and exp = iat + 60, optional rd; the key is
 * HKDF-SHA256(PARTNERGATE_WP_SHIM_SECRET, info "partnergate handoff"), 32 bytes, no salt (`deriveKey` in
 * src/proxy/keys.ts; the format is in wp-shim/README.md). Each jti is recorded (`one_time_tokens`,
 * purpose `wp_handoff`, unique hash), so a token works once. Replayed, expired, forged or foreign tokens fail.
 */
import { errors as joseErrors, jwtVerify } from 'jose';
import { AppError } from '../common/index.js';
import type { Config } from '../config/index.js';
import type { GatewayDeps } from '../deps.js';
import { deriveKey } from '../common/index.js';
import type { Account } from '../store/index.js';
import { normaliseEmail, resolveAccountForEmail } from '../accounts/index.js';
import { recordAudit } from '../accounts/index.js';
import type { RequestOrigin } from './credentials.js';
import { accountRows as accounts } from '../accounts/index.js';
import { createHandoffBinder, type HandoffBinder } from './handoff-binding.js';
import { recordSpentToken } from '../accounts/index.js';
import { secondFactorStep, type SecondFactorStep } from './second-factor.js';
import { openSession, type OpenedSession } from './sessions.js';

export const HANDOFF_MAX_LIFETIME_SECONDS = 60;

function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
/** Clock difference tolerated between WordPress and the gateway. */
const CLOCK_TOLERANCE_SECONDS = 5;

/** The hand-off signing key: `deriveKey(secret, 'handoff')`, shared with the wp-shim (src/proxy/keys.ts). */
export function handoffKey(secret: string): Uint8Array {
  return deriveKey(secret, 'handoff');
}

export interface HandoffClaims {
  sub: string;
  email: string;
  jti: string;
  iat: number;
  exp: number;
  rd?: string;
}

const invalid = (why: string) => new AppError('auth.handoff_invalid', `This sign-in link from the website cannot be used: ${why}. Go back to the website and open the partner center again.`);

/** Checks signature, audience, lifetime and claims (not the replay record). */
/** Origins the wp-shim may name as audience: the public URL, and the partner center's own host (situation 3). */
function handoffAudiences(config: Pick<Config, 'publicUrl' | 'partnerCenterHost'>): string[] {
  const pub = new URL(config.publicUrl);
  return config.partnerCenterHost ? [pub.origin, new URL(`${pub.protocol}//${config.partnerCenterHost}`).origin] : [pub.origin];
}

export async function verifyHandoffToken(config: Pick<Config, 'wpShimSecret' | 'publicUrl' | 'partnerCenterHost'>, token: unknown, now: number): Promise<HandoffClaims> {
  if (typeof token !== 'string' || token.length === 0 || token.length > 4096) throw invalid('it is missing');
  let payload;
  try {
    ({ payload } = await jwtVerify(token, handoffKey(config.wpShimSecret), {
      algorithms: ['HS256'],
      audience: handoffAudiences(config),
      requiredClaims: ['iss', 'sub', 'jti', 'iat', 'exp'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      currentDate: new Date(now),
    }));
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw invalid('it has expired (links are valid for one minute)');
    if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'aud') throw invalid('it was made for another site');
    throw invalid('its signature or contents are not valid');
  }
  const { sub, jti, iat, exp, email, rd } = payload as Record<string, unknown>;
  if (typeof iat !== 'number' || typeof exp !== 'number' || exp - iat > HANDOFF_MAX_LIFETIME_SECONDS || iat * 1000 > now + CLOCK_TOLERANCE_SECONDS * 1000) {
    throw invalid('its lifetime is not valid');
  }
  if (typeof sub !== 'string' || typeof jti !== 'string' || jti.length < 16 || jti.length > 200 || typeof email !== 'string') throw invalid('its contents are not valid');
  return { sub, jti, iat, exp, email, rd: typeof rd === 'string' ? rd : undefined };
}

const binders = new WeakMap<GatewayDeps, HandoffBinder>();
function binderFor(deps: GatewayDeps): HandoffBinder {
  let b = binders.get(deps);
  if (!b) binders.set(deps, (b = createHandoffBinder(deps.config.wpShimSecret, deps.config.cookieSecure)));
  return b;
}

/** Name of the cookie that binds a hand-off to the browser (set by the proxy, read by the route). */
export const handoffBindingCookieFor = (deps: GatewayDeps) => binderFor(deps).cookieName;

/**
 * Accepts a hand-off token: checks it comes back to the browser WordPress sent it to (`binding`, the cookie the
 * proxy set), records its jti (a second use fails), finds or creates the partner account for
 * its email (a partner must exist with that email), opens a session.
 * @throws AppError `auth.handoff_invalid` (bad, expired or replayed), `auth.handoff_unknown_user` (no partner)
 */
export async function acceptHandoff(
  deps: GatewayDeps,
  input: { token: unknown; binding: string | undefined; previousCookie?: string | null } & RequestOrigin,
): Promise<{ opened: OpenedSession; account: Account; rd?: string; next: SecondFactorStep }> {
  const { db } = deps.store;
  const now = deps.now();
  const claims = await verifyHandoffToken(deps.config, input.token, now);
  if (!binderFor(deps).matches(input.binding, claims.jti)) {
    await recordAudit(db, { action: 'auth.handoff_refused', details: { reason: 'other_browser', wpUser: claims.sub }, ip: input.ip, requestId: input.requestId, at: now });
    throw new AppError(
      'auth.handoff_invalid',
      'This sign-in link belongs to the browser that signed in to the website, not this one. Sign in to the website in this browser, or sign in to the partner center directly.',
    );
  }
  try {
    await recordSpentToken(db, { key: `wp_handoff:${claims.jti}`, purpose: 'wp_handoff', payload: { sub: claims.sub }, now, expiresAt: (claims.exp + CLOCK_TOLERANCE_SECONDS) * 1000 + 60_000 });
  } catch (err) {
    if (isUniqueViolation(err)) throw invalid('it was already used');
    throw err;
  }
  const email = normaliseEmail(claims.email);
  const resolved = email ? await resolveAccountForEmail(db, email, now) : ({ kind: 'unknown' } as const);
  // WordPress vouches for partners only: an administrator signs in with a password or the OpenID Provider.
  if (resolved.kind !== 'ok' || resolved.account.role !== 'partner') {
    await recordAudit(db, { action: 'auth.handoff_refused', details: { reason: resolved.kind === 'ok' ? 'not_partner' : resolved.kind, wpUser: claims.sub }, ip: input.ip, requestId: input.requestId, at: now });
    const message =
      resolved.kind === 'disabled'
        ? 'Your partner account is disabled. Contact the program manager.'
        : resolved.kind === 'ambiguous'
          ? 'More than one partner uses your email address. Contact the program manager to sort it out.'
          : 'Your website account is not a partner account, so there is no partner center to open. If you think you are a partner, contact the program manager.';
    throw new AppError('auth.handoff_unknown_user', message);
  }
  // The first hand-off binds the account to its WordPress user: another WordPress user with the email later is refused.
  if (!(await accounts.bindWpUser(db, resolved.account.id, claims.sub))) {
    await recordAudit(db, { action: 'auth.handoff_refused', actorAccountId: resolved.account.id, partnerId: resolved.account.partner_id, details: { reason: 'wp_user_mismatch', wpUser: claims.sub }, ip: input.ip, requestId: input.requestId, at: now });
    throw new AppError('auth.handoff_unknown_user', 'This partner account is linked to a different website user. Contact the program manager if you think this is a mistake.');
  }
  // WordPress checked its own password only: the second factor is asked here, as on every sign-in path.
  const next = secondFactorStep(deps.config, resolved.account);
  const opened = await openSession(db, deps.sessionPolicy, {
    accountId: resolved.account.id,
    method: 'wordpress',
    ip: input.ip,
    userAgent: input.userAgent,
    previousCookie: input.previousCookie,
    now,
    totpPending: next !== 'done',
  });
  await recordAudit(db, { action: 'auth.sign_in', actorAccountId: resolved.account.id, partnerId: resolved.account.partner_id, details: { method: 'wordpress', wpUser: claims.sub, accountCreated: resolved.created }, ip: input.ip, requestId: input.requestId, at: now });
  return { opened, account: resolved.account, rd: claims.rd, next };
}
