/**
 * `/healthz` (the process answers), `/readyz` (each dependency: the store, and WordPress when one is
 * configured; 503 naming the one that is down) and `/metrics` (Prometheus text, optionally behind a token).
 * A store that has reported corruption (any query met SQLITE_CORRUPT, PostgreSQL XX001...) stays unready until
 * the gateway is restarted on a repaired or restored store: some of its pages still answer, others fail.
 */
import { request } from 'node:http';
import { request as requestTls } from 'node:https';
import { Router } from 'express';
import type { GatewayDeps } from '../deps.js';
import { safeEqual } from '../auth/tokens.js';

function probeUpstream(url: string, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const target = new URL(url);
    const req = (target.protocol === 'https:' ? requestTls : request)(target, { method: 'HEAD', timeout: timeoutMs, headers: { 'user-agent': 'partnergate-readyz' } }, (res) => {
      res.resume();
      resolve(res.statusCode && res.statusCode < 500 ? null : `answered ${res.statusCode}`);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on('error', (err) => resolve(err.message));
    req.end();
  });
}

export function createHealthRouter(deps: GatewayDeps): Router {
  const router = Router();
  deps.store.onCorruption((c) =>
    deps.logger.fatal(
      { storeError: c.message, store: deps.store.kind },
      'the store reports corruption: /readyz now answers 503; run `partnergate db check`, then restore the last good backup (README, "Backups and restore")',
    ),
  );
  router.get('/healthz', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const checks: Record<string, { ok: boolean; error?: string }> = {};
    const corruption = deps.store.corruption();
    if (corruption) {
      checks.store = { ok: false, error: `corrupt: ${corruption.message.slice(0, 160)} (run partnergate db check)` };
    } else {
      try {
        await deps.store.ping();
        checks.store = { ok: true };
      } catch (err) {
        checks.store = { ok: false, error: (err as Error).message.slice(0, 200) };
      }
    }
    if (deps.config.upstreamUrl) {
      const error = await probeUpstream(deps.config.upstreamUrl, Math.min(deps.config.upstreamTimeoutMs, 3000));
      checks.wordpress = error ? { ok: false, error } : { ok: true };
    }
    const ok = Object.values(checks).every((c) => c.ok);
    res.setHeader('Cache-Control', 'no-store');
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not ready', checks });
  });
  router.get('/metrics', async (req, res) => {
    const token = deps.config.metricsToken;
    if (token) {
      const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      if (!safeEqual(given, token)) {
        res.status(401).setHeader('WWW-Authenticate', 'Bearer').end();
        return;
      }
    }
    res.setHeader('Content-Type', deps.metrics.registry.contentType);
    res.send(await deps.metrics.registry.metrics());
  });
  return router;
}
