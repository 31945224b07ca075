/**
 * Situations 2 and 3: read the legacy WordPress partner center (wp-shim's export), match its users to the
 * partners imported from Ontraport, and carry over what the old center held (PayPal email, SubIDs).
 *
 * The export step journals a snapshot of the legacy switches, page and plr settings *before* anything is
 * changed on WordPress, once, and never again: rollback restores from it, even after a crash between switching
 * WordPress and journaling the switch.
 */
// The Ontraport outbox alone, not src/ontraport's door (the client and the sync, which an apply does not run).
import { queueContactUpdate } from '../../../src/ontraport/outbox/outbox.js';
import { AppError } from '../../../src/common/index.js';
import type { CredentialRow } from '../../../src/accounts/index.js';
import type { ApplyContext } from '../context.js';
import { legacyPaypal, legacySubIds } from '../legacy-match.js';
import { STEP_ITEM } from '../journal.js';
import * as repo from '../migration.repo.js';
import type { LegacyExport, LegacyPage, LegacyWordPress, ShimStatus } from '../wordpress.js';
import { onceStep, progressOf, pushStep, type OnceResult } from './runner.js';

const BATCH = 500;
export const CARRY_OVER_STEP = 'carry-over';

export interface LegacySnapshot {
  siteUrl: string | null;
  /** wp-shim's status before anything was changed: `shim.stored` is what rollback restores. */
  shim: ShimStatus;
  plr: LegacyExport['plr'];
  page: LegacyPage | null;
  pilotpressSettings: Record<string, unknown> | null;
}

export function wordpressOf(ctx: Pick<ApplyContext, 'deps'>): LegacyWordPress {
  if (!ctx.deps.wordpress) throw new AppError('request.invalid_field', 'wp-url: this situation reads the legacy WordPress site: give --wp-url, --wp-user and --wp-app-password', { field: 'wp-url' });
  return ctx.deps.wordpress;
}

export function snapshotOf(exp: LegacyExport): LegacySnapshot {
  return { siteUrl: exp.siteUrl, shim: exp.shim, plr: exp.plr, page: exp.partnerCenterPage, pilotpressSettings: exp.pilotpressSettings };
}

export async function readSnapshot(ctx: Pick<ApplyContext, 'journal'>): Promise<LegacySnapshot | undefined> {
  return (await ctx.journal.details<{ snapshot: LegacySnapshot }>('legacy-export'))?.details?.snapshot;
}

export async function legacyExportStep(ctx: ApplyContext): Promise<LegacySnapshot> {
  await onceStep(ctx, 'legacy-export', async (record) => {
    // Each page of users is stored as it arrives, in the step's one transaction: a crash mid-export leaves none.
    let result: OnceResult | undefined;
    await ctx.deps.store.db.transaction().execute(async (trx) => {
      const exp = await wordpressOf(ctx).exportLegacy(progressOf(ctx, 'reading WordPress users'), (users) => repo.upsertLegacyUsers(trx, users, ctx.now()));
      const centerOn = exp.pilotpressSettings ? Boolean(exp.pilotpressSettings.affiliate_center) : false;
      result = {
        summary: `read ${exp.usersRead} WordPress users; PilotPress partner center ${centerOn ? 'enabled' : 'not enabled'}; legacy page ${exp.partnerCenterPage ? `"${exp.partnerCenterPage.title}" (${exp.partnerCenterPage.url || exp.partnerCenterPage.slug})` : 'not found'}`,
        counts: { users: exp.usersRead },
        details: { snapshot: snapshotOf(exp) },
        recorded: true,
      };
      await record(trx, result);
    });
    return result!;
  });
  return (await readSnapshot(ctx))!;
}

export function legacyRow(u: { wp_user_id: number; login: string; email: string | null }, partnerId: number | null, reason: string, outcome: 'failed' | 'skipped' = 'failed'): CredentialRow {
  return { partnerId, source: `WordPress user ${u.wp_user_id} (${u.login})`, email: u.email, outcome, reason };
}

/** PayPal emails the old center held go to partners who have none (and back to Ontraport); SubIDs are added. */
export async function carryOverStep(ctx: ApplyContext): Promise<void> {
  // A finished pass is marked: a later run reads no user (the match step reopens it when it matches someone new).
  if (ctx.journal.isDone(CARRY_OVER_STEP)) {
    const earlier = await ctx.journal.details<{ summary?: string; counts?: Record<string, number> }>(CARRY_OVER_STEP);
    pushStep(ctx, { step: CARRY_OVER_STEP, status: 'earlier', summary: earlier?.details?.summary ?? 'done by an earlier run', counts: earlier?.details?.counts });
    return;
  }
  const db = ctx.deps.store.db;
  const counts = { paypalSet: 0, paypalSame: 0, paypalKeptOntraport: 0, subIds: 0 };
  let earlier = 0;
  let seen = 0;
  // Matched users a page at a time; the ones an earlier run carried over are skipped.
  for await (const page of repo.legacyUserPages(db, BATCH, { matchedOnly: true })) {
    seen += page.length;
    const done = await ctx.journal.doneItems(CARRY_OVER_STEP, page.map((u) => `wp-user:${u.wp_user_id}`));
    const batch = page.filter((u) => !done.has(`wp-user:${u.wp_user_id}`));
    earlier += page.length - batch.length;
    if (!batch.length) continue;
    const paypal = await repo.partnerPaypal(db, batch.map((u) => u.partner_id!));
    await db.transaction().execute(async (trx) => {
      const subIdRows: Array<{ partnerId: number; subId: string; source: string }> = [];
      const entries: Array<{ item: string; status: 'done'; details: unknown }> = [];
      for (const u of batch) {
        const meta = JSON.parse(u.meta_json) as Record<string, unknown>;
        const partnerId = u.partner_id!;
        const legacy = legacyPaypal(meta);
        const current = paypal.get(partnerId);
        let outcome: 'none' | 'set' | 'same' | 'kept_ontraport' = 'none';
        if (legacy && current && !current.paypal) {
          await repo.setPartnerPaypal(trx, partnerId, legacy, ctx.now());
          if (current.contactOntraportId) {
            await queueContactUpdate(trx, { idempotencyKey: `migration:${ctx.situation}:paypal:${partnerId}`, contactOntraportId: current.contactOntraportId, fields: { aff_paypal: legacy }, now: ctx.now() });
          }
          outcome = 'set';
        } else if (legacy && current?.paypal) {
          // Ontraport is the source of truth for payouts: a different address there wins, and is reported.
          outcome = current.paypal.toLowerCase() === legacy ? 'same' : 'kept_ontraport';
        }
        const subIds = legacySubIds(meta);
        subIdRows.push(...subIds.map((subId) => ({ partnerId, subId, source: 'wordpress' })));
        entries.push({ item: `wp-user:${u.wp_user_id}`, status: 'done', details: { partnerId, paypal: outcome, legacyPaypal: legacy, subIds } });
        if (outcome === 'set') counts.paypalSet++;
        if (outcome === 'same') counts.paypalSame++;
        if (outcome === 'kept_ontraport') {
          counts.paypalKeptOntraport++;
          ctx.rows.push(legacyRow(u, partnerId, `PayPal email on the old site (${legacy}) differs from Ontraport's (${current?.paypal}); Ontraport's is kept`, 'skipped'));
        }
        counts.subIds += subIds.length;
      }
      await repo.insertSubIds(trx, subIdRows, ctx.now());
      await ctx.journal.recordMany(CARRY_OVER_STEP, entries, trx);
    });
    ctx.journal.checkpoint('carry-over:batch-committed');
    ctx.opts.onProgress?.('carrying over', seen, seen);
  }
  const summary = `carried over from the old center: ${counts.paypalSet} PayPal emails (also queued back to Ontraport), ${counts.subIds} SubIDs; ${counts.paypalKeptOntraport} PayPal emails differ from Ontraport's (kept); ${earlier} users done by an earlier run`;
  await ctx.journal.record(CARRY_OVER_STEP, STEP_ITEM, 'done', { summary, counts });
  pushStep(ctx, { step: CARRY_OVER_STEP, status: 'done', summary, counts });
}
