/**
 * The cut-over on WordPress (situations 2 and 3): after login, partners go to the new partner center, and the
 * legacy "Partner Center" page answers 301 to it. And its undo: `apply --rollback` puts back the values read by
 * the export step before anything was changed.
 */
import { AppError } from '../../../src/common/index.js';
import { partnerCenterOrigin } from '../../../src/admin/index.js';
import type { ApplyContext, MigrationDeps, MigrationOptions, RollbackReport } from '../context.js';
import { checkPartnerCenterHost, defaultHttpGet, type HostCheck } from '../host-check.js';
import { STEP_ITEM } from '../journal.js';
import type { LegacySwitches } from '../wordpress.js';
import { readSnapshot, wordpressOf } from './legacy.js';
import { onceStep } from './runner.js';

/** The new partner center's address: on its own host in situation 3, else on the gateway's public URL. */
export function newCenterUrl(deps: MigrationDeps, opts: MigrationOptions): string {
  const host = opts.partnerCenterHost ?? deps.config.partnerCenterHost;
  return `${partnerCenterOrigin({ publicUrl: deps.config.publicUrl, partnerCenterHost: host })}/partner-center/`;
}

export async function switchWordPressStep(ctx: ApplyContext): Promise<void> {
  const target = newCenterUrl(ctx.deps, ctx.opts);
  await onceStep(ctx, 'switch-wordpress', async () => {
    const wanted: LegacySwitches = { postLoginRedirect: target, legacyPageRedirect: target };
    const { previous } = await wordpressOf(ctx).applySwitches(wanted);
    ctx.journal.checkpoint('switch-wordpress:applied');
    return { summary: `WordPress now sends partners to ${target} after login, and the legacy partner center page answers 301 to it`, details: { applied: wanted, previousReported: previous } };
  });
}

export async function hostCheckStep(ctx: ApplyContext): Promise<HostCheck[]> {
  const host = ctx.opts.partnerCenterHost;
  if (!host) throw new AppError('request.invalid_field', 'partner-center-host: situation 3 needs the partner center\'s own host (e.g. partners.example.com)', { field: 'partner-center-host' });
  const checks = await checkPartnerCenterHost(ctx.deps.httpGet ?? defaultHttpGet, host, { checkUrl: ctx.opts.checkUrl, secure: ctx.deps.config.cookieSecure });
  const failed = checks.filter((c) => !c.ok);
  ctx.steps.push({ step: 'host-check', status: failed.length ? 'failed' : 'done', summary: checks.map((c) => `${c.ok ? 'ok' : 'FAILED'}: ${c.check} (${c.detail})`).join('; ') });
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
  await wordpressOf(ctx).applySwitches(snapshot.switches);
  ctx.journal.checkpoint('rollback:applied');
  await ctx.journal.record('rollback', STEP_ITEM, 'done', { restored: snapshot.switches, wasSwitched: switched });
  // A later apply switches again.
  await ctx.journal.forget('switch-wordpress');
  const shown = (v: string | null) => v ?? 'off (as PilotPress left it)';
  return {
    situation: ctx.situation,
    restored: snapshot.switches,
    summary: `WordPress restored: post-login redirect ${shown(snapshot.switches.postLoginRedirect)}, legacy page redirect ${shown(snapshot.switches.legacyPageRedirect)}${switched ? '' : ' (it had not been switched by this migration)'}`,
  };
}
