/**
 * Sign-in: server-side sessions, local credentials (argon2id), OpenID Connect, the WordPress hand-off, TOTP,
 * throttling, and the guards that protect the partner center.
 *
 * For other capabilities:
 * - `requirePartner(rules)`, `partnerIdOf(req)`: the partner center's guard and the only source of the partner id.
 * - `createOidcService(deps)`: the one OpenID Connect relying party of a gateway, built by `createGateway`.
 * - `createAccessRules(deps, oidc)` and `authCsrfExempt`: what `createGateway` passes to `createApp`.
 * - `requireFreshAuth(maxAgeMs)` / `confirmPassword(deps, ...)`: re-authentication before sensitive changes
 *   (PayPal email). A form can post `password` and call `confirmPassword`, or send the partner to
 *   `/sso/confirm?rd=<back>`.
 * - `changePassword(deps, ...)`, or a form posting `current_password`, `new_password`, optional
 *   `new_password_confirm`, optional `rd` and `_csrf` to `POST /sso/password`.
 * - `safeRedirect(rd, redirectPolicyFor(config))`: the only way to follow a user-supplied redirect.
 */
import { Router } from 'express';
import type { GatewayDeps } from '../deps.js';
import { handoffRoutes } from './handoff.routes.js';
import { shimPingRoutes } from './shim-ping.routes.js';
import { noStore } from './http.js';
import { oidcRoutes } from './oidc.routes.js';
import type { OidcService } from './oidc.js';
import { passwordRoutes } from './password.routes.js';
import { signInRoutes } from './sign-in.routes.js';
import { twoFactorRoutes } from './two-factor.routes.js';

export { requirePartner, requireAdmin, partnerIdOf, type AccessRules } from './guards.js';
export * from './sessions.js';
export { createAccessRules, authCsrfExempt } from './access.js';
export { csrfProtection } from './csrf.js';
export { sessionLoader } from './session-loader.js';
export { apiKeyAuth, type ApiKeyAuthOptions } from './api-key.js';
export { requireFreshAuth } from './fresh-auth.js';
export { changePassword, confirmPassword, type RequestOrigin } from './credentials.js';
export { safeRedirect, redirectPolicyFor, DEFAULT_REDIRECT, type RedirectPolicy } from './redirects.js';
export { countAttempt, waitText } from './throttle.js';
export { handoffKey } from './handoff.js';
export { backgroundIdle } from './background.js';
export { purgeExpiredSignInData } from './purge.js';
export { createOidcService, type OidcService } from './oidc.js';

/** Routes under `/sso`: sign-in, sign-out, password reset, OIDC, WordPress hand-off, two-factor. */
export function createAuthRouter(deps: GatewayDeps, oidc: OidcService): Router {
  const router = Router();
  router.use(noStore);
  router.use(signInRoutes(deps, oidc));
  router.use(passwordRoutes(deps, oidc));
  router.use(oidcRoutes(deps, oidc));
  router.use(handoffRoutes(deps));
  router.use(shimPingRoutes(deps));
  router.use(twoFactorRoutes(deps));
  return router;
}
