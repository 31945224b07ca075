/**
 * Matching the legacy WordPress users to partners (situations 2 and 3), a page at a time: only the emails several
 * WordPress users share are held for the whole pass; each page looks its partners up by email.
 *
 * A pass that reaches the end marks the step done (item `*`, with its counts). A later run then reads neither
 * the users nor the partners: it only takes up again the users the journal has as not matched (an email fixed
 * in Ontraport since may match now), and when one of them does, the carry-over step is opened again for it.
 */
import { SharedEmailTally } from '../../../src/accounts/index.js';
import type { ApplyContext } from '../context.js';
import { matchUser, type MatchDecision, type MatchInput } from '../legacy-match.js';
import * as repo from '../migration.repo.js';
import { STEP_ITEM } from '../journal.js';
import { legacyRow } from './legacy.js';
import { pushStep } from './runner.js';

export const MATCH_STEP = 'match';
const BATCH = 500;

type Counts = Record<MatchDecision['status'], number>;
type Decided = { user: repo.LegacyUserRow } & MatchDecision;

function inputOf(u: repo.LegacyUserRow): MatchInput {
  return { wpUserId: u.wp_user_id, login: u.login, email: u.email, roles: JSON.parse(u.roles_json) as string[], meta: JSON.parse(u.meta_json) as Record<string, unknown>, partner: u.is_partner === 1 };
}

function summaryOf(counts: Counts, tail: string): string {
  return `WordPress users: ${counts.matched} matched to partners, ${counts.unmatched} partners not found in Ontraport, ${counts.duplicate_email} duplicate emails, ${counts.bad_email} bad emails, ${counts.not_partner} not partners; ${tail}`;
}

/** The emails several WordPress users share, from their ids and emails only, read a page at a time. */
async function sharedWordPressEmails(ctx: ApplyContext): Promise<Map<string, number[]>> {
  const tally = new SharedEmailTally();
  await repo.eachLegacyUserEmail(ctx.deps.store.db, (id, email) => tally.add(email, id));
  return tally.shared;
}

/** Decides a page of users against the partners having their emails. */
async function decide(ctx: ApplyContext, users: readonly repo.LegacyUserRow[], shared: Map<string, number[]>): Promise<Decided[]> {
  const emails = [...new Set(users.map((u) => (u.email ?? '').trim().toLowerCase()).filter(Boolean))];
  const partners = await repo.partnersByEmails(ctx.deps.store.db, emails);
  return users.map((u) => ({ user: u, ...matchUser(inputOf(u), shared, partners) }));
}

/** Stores a page of decisions with their journal items, in one transaction. */
async function store(ctx: ApplyContext, batch: readonly Decided[]): Promise<void> {
  await ctx.deps.store.db.transaction().execute(async (trx) => {
    await repo.setLegacyMatches(trx, batch);
    const entries = batch.map((b) => ({
      item: `wp-user:${b.user.wp_user_id}`,
      status: b.status === 'matched' || b.status === 'not_partner' ? ('done' as const) : ('failed' as const),
      details: { partnerId: b.partnerId, status: b.status, reason: b.reason },
    }));
    await ctx.journal.recordMany(MATCH_STEP, entries, trx);
  });
  ctx.journal.checkpoint('match:batch-committed');
}

function reportProblems(ctx: ApplyContext, decided: readonly Decided[]): void {
  for (const d of decided) {
    if (d.status !== 'matched' && d.status !== 'not_partner') ctx.rows.push(legacyRow(d.user, null, `${d.status.replace('_', ' ')}: ${d.reason}`));
  }
}

export async function matchStep(ctx: ApplyContext): Promise<void> {
  if (ctx.journal.isDone(MATCH_STEP)) return rematchStep(ctx);
  const db = ctx.deps.store.db;
  const shared = await sharedWordPressEmails(ctx);
  const counts: Counts = { matched: 0, unmatched: 0, not_partner: 0, duplicate_email: 0, bad_email: 0 };
  let total = 0;
  let earlier = 0;
  for await (const page of repo.legacyUserPages(db, BATCH)) {
    const decided = await decide(ctx, page, shared);
    const done = await ctx.journal.doneItems(MATCH_STEP, page.map((u) => `wp-user:${u.wp_user_id}`));
    for (const d of decided) counts[d.status]++;
    total += page.length;
    reportProblems(ctx, decided);
    const batch = decided.filter((d) => !done.has(`wp-user:${d.user.wp_user_id}`));
    earlier += decided.length - batch.length;
    if (batch.length) await store(ctx, batch);
    ctx.opts.onProgress?.('matching users', total, total);
  }
  const summary = summaryOf(counts, `${earlier} done by an earlier run`);
  await ctx.journal.record(MATCH_STEP, STEP_ITEM, 'done', { summary, counts });
  pushStep(ctx, { step: MATCH_STEP, status: 'done', summary, counts });
}

/**
 * After a finished pass: only the users left not matched are decided again, against the partners as they are
 * now (the WordPress side cannot have changed: the export is read once). Judging shared WordPress emails still
 * takes one read of every user's id and email, but only when there is someone to decide again.
 */
async function rematchStep(ctx: ApplyContext): Promise<void> {
  const earlier = await ctx.journal.details<{ summary: string; counts: Counts }>(MATCH_STEP);
  const counts: Counts = { matched: 0, unmatched: 0, not_partner: 0, duplicate_email: 0, bad_email: 0, ...earlier?.details?.counts };
  const open = await ctx.journal.problems(MATCH_STEP, Number.MAX_SAFE_INTEGER);
  if (!open.length) {
    pushStep(ctx, { step: MATCH_STEP, status: 'earlier', summary: earlier?.details?.summary ?? 'done by an earlier run', counts });
    return;
  }
  const ids = open.map((o) => Number(o.item_key.slice('wp-user:'.length)));
  const shared = await sharedWordPressEmails(ctx);
  let nowMatched = 0;
  for (let i = 0; i < ids.length; i += BATCH) {
    const users = await repo.legacyUsersByIds(ctx.deps.store.db, ids.slice(i, i + BATCH));
    const decided = await decide(ctx, users, shared);
    for (const d of decided) {
      if (d.status === d.user.match_status) continue;
      counts[d.user.match_status]--;
      counts[d.status]++;
      if (d.status === 'matched') nowMatched++;
    }
    reportProblems(ctx, decided);
    await store(ctx, decided);
  }
  const summary = summaryOf(counts, `${ids.length} users an earlier run could not match looked at again, ${nowMatched} matched now`);
  await ctx.journal.record(MATCH_STEP, STEP_ITEM, 'done', { summary, counts });
  // The newly matched have had nothing carried over yet: the carry-over step runs again (over them only).
  if (nowMatched) await ctx.journal.forget('carry-over', STEP_ITEM);
  pushStep(ctx, { step: MATCH_STEP, status: 'done', summary, counts });
}
