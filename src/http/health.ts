/**
 * `/healthz` (the process answers), `/readyz` (each dependency: the store, and WordPress when one is
 * configured; 503 naming the one that is down) and `/metrics` (Prometheus text, behind a token when one is set;
 * in production only with one).
 *
 * These answer anyone: `/readyz` says which dependency is down but never why (a driver's message can name
 * hosts, users, paths); the reason goes to the log.
 * A store that has reported corruption (any query met SQLITE_CORRUPT, PostgreSQL XX001...) stays unready until
 * the gateway is restarted on a repaired or restored store: some of its pages still answer, others fail.
 */
import { request } from 'node:http';
import { request as requestTls } from 'node:https';
import { Router } from 'express';
import { safeEqual, type Logger } from '../common/index.js';
import type { Config } from '../config/index.js';
import type { Store } from '../store/index.js';
import type { Metrics } from './metrics.js';

/** What the health routes read: the store's state, the WordPress address, the metrics token and registry. */
export interface HealthDeps {
  store: Pick<Store, 'onCorruption' | 'corruption' | 'ping' | 'kind'>;
  logger: Logger;
  config: Pick<Config, 'upstreamUrl' | 'upstreamTimeoutMs' | 'metricsToken' | 'environment'>;
  metrics: Metrics;
}

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

export function createHealthRouter(deps: HealthDeps): Router {
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
    // `state` is a fixed word, never a driver's message: the reason goes to the log (and the fatal line above).
    const checks: Record<string, { ok: boolean; state?: 'corrupt' }> = {};
    if (deps.store.corruption()) {
      checks.store = { ok: false, state: 'corrupt' };
    } else {
      try {
        await deps.store.ping();
        checks.store = { ok: true };
      } catch (err) {
        deps.logger.warn({ check: 'store', error: (err as Error).message.slice(0, 200) }, 'readyz: not ready');
        checks.store = { ok: false };
      }
    }
    if (deps.config.upstreamUrl) {
      const error = await probeUpstream(deps.config.upstreamUrl, Math.min(deps.config.upstreamTimeoutMs, 3000));
      if (error) deps.logger.warn({ check: 'wordpress', error }, 'readyz: not ready');
      checks.wordpress = { ok: !error };
    }
    const ok = Object.values(checks).every((c) => c.ok);
    res.setHeader('Cache-Control', 'no-store');
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not ready', checks });
  });
  router.get('/metrics', async (req, res) => {
    const token = deps.config.metricsToken;
    if (!token && deps.config.environment === 'production') {
      // Process, heap and traffic figures are for the operator: production serves them only behind the token.
      res.status(404).setHeader('Cache-Control', 'no-store');
      res.type('text').send('Not found (set PARTNERGATE_METRICS_TOKEN to enable /metrics)\n');
      return;
    }
    if (token) {
      const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      if (!safeEqual(given, token)) {
        res.status(401).setHeader('WWW-Authenticate', 'Bearer').end();
        return;
      }
    }
    res.setHeader('Content-Type', deps.metrics.contentType);
    res.send(await deps.metrics.text());
  });
  return router;
}
