/**
 * Situations 2 and 3: read the legacy WordPress partner center (wp-shim's export), match its users to the
 * partners imported from Ontraport, and carry over what the old center held (PayPal email, SubIDs).
 *
 * The export step journals a snapshot of the legacy switches, page and plr settings *before* anything is
 * changed on WordPress, once, and never again: rollback restores from it, even after a crash between switching
 * WordPress and journaling the switch.
 */
import { queueContactUpdate } from '../../../src/ontraport/index.js';
import { AppError } from '../../../src/common/index.js';
import type { CredentialRow } from '../../../src/accounts/index.js';
import type { ApplyContext } from '../context.js';
import { legacyPaypal, legacySubIds, matchUser, sharedWordPressEmails, type MatchDecision, type MatchInput } from '../legacy-match.js';
import * as repo from '../migration.repo.js';
import type { LegacyExport, LegacyPage, LegacyWordPress, ShimStatus } from '../wordpress.js';
import { onceStep, progressOf, pushStep, type OnceResult } from './runner.js';

const BATCH = 500;

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

function inputOf(u: repo.LegacyUserRow): MatchInput {
  return { wpUserId: u.wp_user_id, login: u.login, email: u.email, roles: JSON.parse(u.roles_json) as string[], meta: JSON.parse(u.meta_json) as Record<string, unknown>, partner: u.is_partner === 1 };
}

export function legacyRow(u: { wp_user_id: number; login: string; email: string | null }, partnerId: number | null, reason: string, outcome: 'failed' | 'skipped' = 'failed'): CredentialRow {
  return { partnerId, source: `WordPress user ${u.wp_user_id} (${u.login})`, email: u.email, outcome, reason };
}

/**
 * Matches WordPress users to partners a page at a time: only the emails several users share and the partners
 * by email are held for the whole run, never every user's row.
 */
export async function matchStep(ctx: ApplyContext): Promise<void> {
  const db = ctx.deps.store.db;
  const shared = sharedWordPressEmails(await repo.legacyUserEmails(db));
  const partners = await repo.partnersByEmail(db);
  const counts: Record<string, number> = { matched: 0, unmatched: 0, not_partner: 0, duplicate_email: 0, bad_email: 0 };
  let total = 0;
  let earlier = 0;
  for await (const page of repo.legacyUserPages(db, BATCH)) {
    const batch: Array<{ user: repo.LegacyUserRow } & MatchDecision> = [];
    for (const u of page) {
      const d = matchUser(inputOf(u), shared, partners);
      counts[d.status]++;
      total++;
      if (d.status !== 'matched' && d.status !== 'not_partner') ctx.rows.push(legacyRow(u, null, `${d.status.replace('_', ' ')}: ${d.reason}`));
      if (ctx.journal.isDone('match', `wp-user:${u.wp_user_id}`)) earlier++;
      else batch.push({ user: u, ...d });
    }
    if (!batch.length) continue;
    await db.transaction().execute(async (trx) => {
      await repo.setLegacyMatches(trx, batch);
      const entries = batch.map((b) => ({
        item: `wp-user:${b.user.wp_user_id}`,
        status: b.status === 'matched' || b.status === 'not_partner' ? ('done' as const) : ('failed' as const),
        details: { partnerId: b.partnerId, status: b.status, reason: b.reason },
      }));
      await ctx.journal.recordMany('match', entries, trx);
    });
    ctx.journal.checkpoint('match:batch-committed');
    ctx.opts.onProgress?.('matching users', total, total);
  }
  pushStep(ctx, {
    step: 'match',
    status: 'done',
    summary: `WordPress users: ${counts.matched} matched to partners, ${counts.unmatched} partners not found in Ontraport, ${counts.duplicate_email} duplicate emails, ${counts.bad_email} bad emails, ${counts.not_partner} not partners; ${earlier} done by an earlier run`,
    counts,
  });
}

/** PayPal emails the old center held go to partners who have none (and back to Ontraport); SubIDs are added. */
export async function carryOverStep(ctx: ApplyContext): Promise<void> {
  const db = ctx.deps.store.db;
  const counts = { paypalSet: 0, paypalSame: 0, paypalKeptOntraport: 0, subIds: 0 };
  let earlier = 0;
  let seen = 0;
  // Matched users a page at a time; the ones an earlier run carried over are skipped.
  for await (const page of repo.legacyUserPages(db, BATCH, { matchedOnly: true })) {
    seen += page.length;
    const batch = page.filter((u) => !ctx.journal.isDone('carry-over', `wp-user:${u.wp_user_id}`));
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
      await ctx.journal.recordMany('carry-over', entries, trx);
    });
    ctx.journal.checkpoint('carry-over:batch-committed');
    ctx.opts.onProgress?.('carrying over', seen, seen);
  }
  pushStep(ctx, {
    step: 'carry-over',
    status: 'done',
    summary: `carried over from the old center: ${counts.paypalSet} PayPal emails (also queued back to Ontraport), ${counts.subIds} SubIDs; ${counts.paypalKeptOntraport} PayPal emails differ from Ontraport's (kept); ${earlier} users done by an earlier run`,
    counts,
  });
}
