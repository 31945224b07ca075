/**
 * Steps every situation runs: import partners from Ontraport, create the partner center configuration (access
 * rules and default pages), and gather each partner's SubIDs.
 */
import { AppError } from '../../../src/common/index.js';
// center-setup.ts itself, not src/partners' door: the door also loads every partner-center service (reports,
// sign-in, payouts...), which an apply never runs and whose code stayed in its heap (src/admin/cli/program.ts).
import { PARTNER_CENTER_PAGES, PARTNER_CENTER_SETUP_KEY, readPartnerCenterSetup, type PartnerCenterSetup } from '../../../src/partners/center-setup.js';
import { setKv } from '../../../src/store/index.js';
import type { ApplyContext, ImportSummary, MigrationDeps } from '../context.js';
import * as repo from '../migration.repo.js';
import { onceStep, progressOf } from './runner.js';

/** Objects without which nobody can be given credentials; a failure of the others is only reported. */
const ESSENTIAL = ['programs', 'contacts', 'partners'];

export async function importStep(ctx: ApplyContext): Promise<void> {
  await onceStep(ctx, 'import-partners', async () => {
    if (!ctx.deps.importPartners) {
      throw new AppError('ontraport.auth_failed', 'Ontraport is not configured: set PARTNERGATE_ONTRAPORT_APP_ID and PARTNERGATE_ONTRAPORT_API_KEY');
    }
    const summary: ImportSummary = await ctx.deps.importPartners(progressOf(ctx, 'importing from Ontraport'));
    const failed = summary.objects.filter((o) => o.status !== 'ok');
    const essential = failed.filter((o) => ESSENTIAL.includes(o.object));
    if (essential.length) {
      throw new AppError('ontraport.failed', `the Ontraport import failed for ${essential.map((o) => `${o.object} (${o.error ?? o.status})`).join(', ')}; nothing else was changed, run apply again`);
    }
    // Records the sync could not store (a contact whose email is not an address...) are partners missing here.
    for (const o of summary.objects.filter((x) => ['contacts', 'partners'].includes(x.object))) {
      for (const r of o.skippedRecords ?? []) ctx.rows.push({ partnerId: null, source: `Ontraport ${o.object === 'contacts' ? 'contact' : 'partner'} #${r.id}`, email: null, outcome: 'failed', reason: `not imported: ${r.reason}` });
    }
    ctx.journal.checkpoint('import-partners:synced');
    const counts = Object.fromEntries(summary.objects.map((o) => [o.object, o.upserted]));
    const partners = await repo.countPartners(ctx.deps.store.db);
    return {
      summary: `imported from Ontraport: ${partners.total} partners (${partners.active} active)${failed.length ? `; not imported: ${failed.map((o) => o.object).join(', ')}` : ''}`,
      counts: { ...counts, partnersInStore: partners.total },
    };
  });
}

/** What the partner center configuration will be: the configured access programs, else every synced program. */
export async function plannedPartnerCenter(deps: MigrationDeps, situation: string, now: number): Promise<{ setup: PartnerCenterSetup; existing: PartnerCenterSetup | undefined; unknownPrograms: string[] }> {
  const db = deps.store.db;
  const names = await repo.programNames(db);
  const configured = deps.config.accessPrograms;
  const unknownPrograms = configured.filter((p) => !names.includes(p));
  const existing = await readPartnerCenterSetup(db);
  return {
    // Every page on at first, in menu order; `partnergate partner-center pages --set` changes it.
    setup: { accessPrograms: configured.length ? configured : 'any', pages: [...PARTNER_CENTER_PAGES], createdBy: `migration ${situation}`, createdAt: now },
    existing,
    unknownPrograms,
  };
}

export async function partnerCenterStep(ctx: ApplyContext): Promise<void> {
  await onceStep(ctx, 'partner-center', async () => {
    const { setup, existing, unknownPrograms } = await plannedPartnerCenter(ctx.deps, ctx.situation, ctx.now());
    if (unknownPrograms.length) {
      throw new AppError('request.invalid_field', `PARTNERGATE_ACCESS_PROGRAMS names programs Ontraport does not have: ${unknownPrograms.join(', ')}`, { field: 'accessPrograms' });
    }
    // An admin's own configuration is never overwritten.
    if (!existing) await setKv(ctx.deps.store.db, PARTNER_CENTER_SETUP_KEY, setup, ctx.now());
    const kept = existing ?? setup;
    const access = kept.accessPrograms === 'any' ? 'partners of every program' : `programs ${kept.accessPrograms.join(', ')}`;
    return { summary: `${existing ? 'kept the existing' : 'created the'} partner center configuration: access for ${access}; pages ${kept.pages.join(', ')}`, details: { setup: kept } };
  });
}

export async function subIdsStep(ctx: ApplyContext): Promise<void> {
  await onceStep(ctx, 'sub-ids', async () => {
    const added = await repo.insertSubIdsFromActivity(ctx.deps.store.db, ctx.now());
    return { summary: `gathered ${added} SubIDs from the partners' commissions and clicks into their SubID lists`, counts: { added } };
  });
}
