/**
 * The partner center's access rules, built from the configuration: which partner programs may use it
 * (`PARTNERGATE_ACCESS_PROGRAMS`, Ontraport's "program name equal to X"; empty = any program), and whether a
 * session signed in through the OpenID Provider is still accepted there (checked when its access token expires,
 * by refreshing it). `createGateway` passes these to `createApp`.
 */
import type { GatewayDeps } from '../deps.js';
import type { AccessRules } from './guards.js';
import type { OidcService } from './oidc.js';

export function createAccessRules(deps: GatewayDeps, oidc: OidcService): AccessRules {
  const allowed = new Set(deps.config.accessPrograms.map((p) => p.trim().toLowerCase()));
  // An inactive partner (deactivated in Ontraport, or a full sync found them gone) keeps no access.
  const rules: AccessRules = { partnerActive: (session) => session.partner?.status === 'active' };
  if (allowed.size > 0) {
    rules.programAllowed = (session) => session.partner !== null && allowed.has(session.partner.program_name.trim().toLowerCase());
  }
  if (deps.config.oidcEnabled) {
    rules.sessionStillValid = (session) => oidc.refreshIfDue(session);
  }
  return rules;
}

/** Paths that receive server-to-server POSTs and so carry no CSRF token (`createApp`'s `csrfExempt`). */
export const authCsrfExempt: readonly string[] = ['/sso/oidc/backchannel-logout'];
