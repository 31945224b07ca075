/**
 * Sign-in: server-side sessions, local credentials (argon2id), OpenID Connect, the WordPress hand-off, TOTP,
 * throttling, and the guards that protect the partner center.
 */
import { Router } from 'express';
import type { GatewayDeps } from '../deps.js';

export { requirePartner, requireAdmin, partnerIdOf, type AccessRules } from './guards.js';
export { hashPassword, verifyPassword, passwordProblem } from './passwords.js';
export * from './sessions.js';
export { randomToken, sha256, hmac, safeEqual } from './tokens.js';

/** Routes under `/sso`: sign-in, sign-out, password reset, OIDC, WordPress hand-off, two-factor. */
export function createAuthRouter(_deps: GatewayDeps): Router {
  return Router();
}
