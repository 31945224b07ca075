/**
 * The cut-over on WordPress (situations 2 and 3): after login, partners go to the new partner center, and the
 * legacy "Partner Center" page answers 301 to it. And its undo: `apply --rollback` puts back the values read by
 * the export step before anything was changed.
 */
import { AppError } from '../../../src/common/index.js';
import { partnerCenterOrigin } from '../../../src/accounts/index.js';
import type { ApplyContext, MigrationDeps, MigrationOptions, RollbackReport } from '../context.js';
import { checkPartnerCenterHost, defaultHttpGet, type HostCheck } from '../host-check.js';
import { STEP_ITEM } from '../journal.js';
import type { ShimStatus, ShimSwitches } from '../wordpress.js';
import { readSnapshot, wordpressOf } from './legacy.js';
import { onceStep, pushStep } from './runner.js';

/** The new partner center's address: on its own host in situation 3, else on the gateway's public URL. */
export function newCenterUrl(deps: MigrationDeps, opts: MigrationOptions): string {
  const host = opts.partnerCenterHost ?? deps.config.partnerCenterHost;
  return `${partnerCenterOrigin({ publicUrl: deps.config.publicUrl, partnerCenterHost: host })}/partner-center/`;
}

/** What the switch sets in wp-shim: hand partners off to the gateway after login; the old page 301s to the new center. */
export function wantedSwitches(target: string): ShimSwitches {
  return { loginRedirect: 'handoff', legacyPage301: true, legacyPageTarget: target };
}

/**
 * Whether wp-shim can hand partners to this gateway: it needs PARTNERGATE_SHIM_SECRET and PARTNERGATE_URL in
 * wp-config.php, and that URL must be this gateway (its public URL, or the partner center's own host).
 */
export function handoffReadiness(deps: MigrationDeps, opts: MigrationOptions, shim: ShimStatus): { blockers: string[]; warnings: string[] } {
  const blockers: string[] = [];
  const warnings: string[] = [];
  const site = new URL(deps.config.publicUrl).origin;
  const center = new URL(newCenterUrl(deps, opts)).origin;
  if (!shim.secretConfigured) blockers.push('wp-shim has no PARTNERGATE_SHIM_SECRET in wp-config.php: the login hand-off cannot work (define it with the value of the gateway\'s PARTNERGATE_WP_SHIM_SECRET)');
  if (!shim.gatewayUrl) blockers.push(`wp-shim does not know the gateway: define('PARTNERGATE_URL', '${center}') in wp-config.php`);
  else {
    const handoff = new URL(shim.gatewayUrl).origin;
    if (handoff !== site && handoff !== center) blockers.push(`wp-shim hands partners off to ${shim.gatewayUrl}, which is not this gateway (${center}): fix PARTNERGATE_URL in wp-config.php`);
    else if (handoff !== center) warnings.push(`wp-shim hands partners off to ${handoff}; define PARTNERGATE_URL as ${center} in wp-config.php so that they land (and get their session cookie) on the partner center's host`);
  }
  if (deps.config.wpShimSecretGenerated) warnings.push('PARTNERGATE_WP_SHIM_SECRET is not set in this configuration: the gateway must have the same secret as wp-shim for the hand-off');
  if (shim.effective.loginRedirect !== shim.stored.loginRedirect || shim.effective.legacyPage301 !== shim.stored.legacyPage301) {
    warnings.push('a PARTNERGATE_LOGIN_REDIRECT or PARTNERGATE_LEGACY_PAGE_301 constant in wp-config.php overrides what the migration sets');
  }
  return { blockers, warnings };
}

export async function switchWordPressStep(ctx: ApplyContext): Promise<void> {
  const target = newCenterUrl(ctx.deps, ctx.opts);
  await onceStep(ctx, 'switch-wordpress', async () => {
    const wordpress = wordpressOf(ctx);
    const { shim } = await wordpress.state();
    const readiness = handoffReadiness(ctx.deps, ctx.opts, shim);
    if (readiness.blockers.length) {
      throw new AppError('request.invalid_field', `WordPress was not switched: ${readiness.blockers.join('; ')}. Fix it and run apply again (everything before this step is done)`, { field: 'wp-url' });
    }
    const wanted = wantedSwitches(target);
    const { previous } = await wordpress.applySwitches(wanted);
    ctx.journal.checkpoint('switch-wordpress:applied');
    const notes = readiness.warnings.length ? ` (note: ${readiness.warnings.join('; ')})` : '';
    return { summary: `WordPress now hands partners off to the new partner center after login, and the legacy page answers 301 to ${target}${notes}`, details: { applied: wanted, previousReported: previous } };
  });
}

export async function hostCheckStep(ctx: ApplyContext): Promise<HostCheck[]> {
  const host = ctx.opts.partnerCenterHost;
  if (!host) throw new AppError('request.invalid_field', 'partner-center-host: situation 3 needs the partner center\'s own host (e.g. partners.example.com)', { field: 'partner-center-host' });
  const checks = await checkPartnerCenterHost(ctx.deps.httpGet ?? defaultHttpGet, host, { checkUrl: ctx.opts.checkUrl, secure: ctx.deps.config.cookieSecure });
  const failed = checks.filter((c) => !c.ok);
  pushStep(ctx, { step: 'host-check', status: failed.length ? 'failed' : 'done', summary: checks.map((c) => `${c.ok ? 'ok' : 'FAILED'}: ${c.check} (${c.detail})`).join('; ') });
  if (failed.length) {
    // Sending partners to a host that does not answer would lock them out: stop before switching WordPress.
    throw new AppError('upstream.unavailable', `the partner center host ${host} is not ready: ${failed.map((c) => `${c.check}: ${c.detail}`).join('; ')}. WordPress was not switched; fix it and run apply again`);
  }
  return checks;
}

export async function rollbackWordPress(ctx: ApplyContext): Promise<RollbackReport> {
  const snapshot = await readSnapshot(ctx);
  if (!snapshot) throw new AppError('not_found', `nothing to roll back: ${ctx.situation} apply has not read the legacy site yet`);
  const switched = ctx.journal.isDone('switch-wordpress');
  const before = snapshot.shim.stored;
  await wordpressOf(ctx).applySwitches(before);
  ctx.journal.checkpoint('rollback:applied');
  await ctx.journal.record('rollback', STEP_ITEM, 'done', { restored: before, wasSwitched: switched });
  // A later apply switches again.
  await ctx.journal.forget('switch-wordpress');
  return {
    situation: ctx.situation,
    restored: before,
    summary: `WordPress restored as it was before the migration: after login ${before.loginRedirect === 'handoff' ? 'partners are handed off to the gateway' : 'WordPress/PilotPress decides'}; legacy page ${before.legacyPage301 ? `301 to ${before.legacyPageTarget || 'the gateway'}` : 'served by WordPress (no redirect)'}${switched ? '' : ' (it had not been switched by this migration)'}`,
  };
}
