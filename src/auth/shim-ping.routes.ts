/**
 * Route: `GET /sso/wp-shim/ping`, the wp-shim plugin's "test connection" (Settings -> Partnergate in wp-admin).
 *
 * The plugin sends `Authorization: Bearer <JWT>`: HS256 with its own key purpose (`shim-ping`, so a ping token
 * is never a hand-off or an identity assertion), claims `iss` (the site URL), `aud` (the gateway origin the
 * plugin is configured with), `home` (the site's public home URL), `iat`, `exp`, `jti`. The answer lets the
 * plugin say in words what is wrong:
 * - 401 `{"error":"bad_signature"}`: the token does not verify with this gateway's secret (secret mismatch);
 * - 401 `{"error":"wrong_audience"}`: signed right, but for another gateway origin (wrong gateway URL);
 * - 200 with `version`, `time`, `skew_seconds` (the site's clock minus the gateway's) and `proxying` (this gateway
 *   proxies a WordPress and the site's home URL is one of the gateway's public origins).
 * Lifetime is deliberately not enforced: a skewed clock must be reported as skew, not as "expired". A ping
 * changes nothing, so a replayed one reveals only the version and the clock.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Router } from 'express';
import { compactVerify, decodeJwt } from 'jose';
import type { GatewayDeps } from '../deps.js';
import { deriveKey } from '../common/index.js';


/** package.json's version, found from src/auth (tsx) or dist/src/auth (built). */
function gatewayVersion(): string {
  for (const up of ['../../package.json', '../../../package.json']) {
    const file = new URL(up, import.meta.url);
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'partnergate' && pkg.version) return pkg.version;
  }
  return 'unknown';
}

const VERSION = gatewayVersion();

/** Origins partners reach this gateway on: the public URL, and the partner center's own host when set. */
function publicOrigins(config: GatewayDeps['config']): string[] {
  const pub = new URL(config.publicUrl);
  return config.partnerCenterHost ? [pub.origin, new URL(`${pub.protocol}//${config.partnerCenterHost}`).origin] : [pub.origin];
}

function originOfUrl(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  try {
    return new URL(value).origin;
  } catch {
    return null;
  }
}

export function shimPingRoutes(deps: GatewayDeps): Router {
  const router = Router();
  // The plugin signs pings with their own key purpose, so a ping token is never a hand-off or an assertion.
  const pingKey = deriveKey(deps.config.wpShimSecret, 'shim-ping');
  router.get('/wp-shim/ping', async (req, res) => {
    const token = /^Bearer ([A-Za-z0-9_.-]{1,4096})$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token) {
      res.status(400).json({ error: 'missing_token', field: 'authorization', message: 'authorization: a Bearer token from the wp-shim plugin is required.' });
      return;
    }
    let claims: Record<string, unknown>;
    try {
      const { protectedHeader } = await compactVerify(token, pingKey, { algorithms: ['HS256'] });
      if (protectedHeader.crit) throw new Error('crit');
      claims = decodeJwt(token) as Record<string, unknown>;
    } catch {
      res.status(401).json({ error: 'bad_signature', message: 'The token does not verify with this gateway\'s shared secret.' });
      return;
    }
    const origins = publicOrigins(deps.config);
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!aud.some((a) => typeof a === 'string' && origins.includes(a))) {
      res.status(401).json({ error: 'wrong_audience', message: 'The token was made for another gateway address.', public_origins: origins });
      return;
    }
    const now = Math.floor(deps.now() / 1000);
    const iat = typeof claims.iat === 'number' && Number.isFinite(claims.iat) ? Math.floor(claims.iat) : null;
    const home = originOfUrl(claims.home);
    res.json({
      gateway: 'partnergate',
      version: VERSION,
      time: now,
      skew_seconds: iat === null ? null : iat - now,
      proxying: Boolean(deps.config.upstreamUrl) && home !== null && origins.includes(home),
      upstream_configured: Boolean(deps.config.upstreamUrl),
      public_origins: origins,
    });
  });
  return router;
}
