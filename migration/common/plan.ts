/**
 * `plan` (and `apply --dry-run`): what apply will do, with counts, changing nothing. It reads the legacy site,
 * previews the matching, and takes the credentials decisions in a rolled-back transaction, so the counts are
 * the ones apply would reach on the store as it is now. Blockers are what would stop apply.
 */
import { issueCredentials, resolvePartnerList, tally } from '../../src/accounts/index.js';
import type { MigrationDeps, MigrationOptions, PlanReport, PlanStep, SituationName } from './context.js';
import { nowOf } from './context.js';
import { checkPartnerCenterHost, defaultHttpGet } from './host-check.js';
import { Journal } from './journal.js';
import { matchUsers } from './legacy-match.js';
import * as repo from './migration.repo.js';
import { credentialsDepsOf } from './steps/credentials.js';
import { plannedPartnerCenter } from './steps/setup.js';
import { handoffReadiness, newCenterUrl } from './steps/switch.js';
import type { LegacyExport } from './wordpress.js';

export async function planSituation(deps: MigrationDeps, opts: MigrationOptions, situation: SituationName): Promise<PlanReport> {
  const db = deps.store.db;
  const now = nowOf(deps)();
  const journal = await Journal.open(db, situation, { now: nowOf(deps) });
  const legacy = situation !== 'situation-1';
  const report: PlanReport = { situation, steps: [], blockers: [], warnings: [], rows: [] };
  const step = (s: PlanStep) => report.steps.push({ ...s, done: s.done ?? journal.isDone(s.step) });
  const partners = await repo.countPartners(db);

  if (!deps.importPartners) report.blockers.push('Ontraport is not configured: set PARTNERGATE_ONTRAPORT_APP_ID and PARTNERGATE_ONTRAPORT_API_KEY');
  if (!deps.canSend && opts.send !== false) report.warnings.push('no SMTP server configured (PARTNERGATE_SMTP_URL): emails will be queued, not sent');
  step({ step: 'import-partners', summary: `full import of programs, partners, contacts and their activity from Ontraport (the store has ${partners.total} partners now)`, counts: { partnersInStore: partners.total } });

  let exp: LegacyExport | undefined;
  if (legacy) {
    if (!deps.wordpress) report.blockers.push('the legacy WordPress site is needed: give --wp-url, --wp-user and --wp-app-password');
    else {
      try {
        exp = await deps.wordpress.exportLegacy();
      } catch (err) {
        report.blockers.push((err as Error).message);
      }
    }
    if (exp) {
      if (!exp.partnerCenterPage) report.warnings.push('the legacy "Partner Center" page (slug affiliate-center) was not found: there is no old page to redirect');
      step({ step: 'legacy-export', summary: `read the legacy site: ${exp.users.length} WordPress users, PilotPress partner center ${exp.pilotpressSettings?.affiliate_center ? 'enabled' : 'not enabled'}, page ${exp.partnerCenterPage?.url ?? 'none'}; keep its settings for rollback`, counts: { users: exp.users.length } });
      const decisions = matchUsers(exp.users.map((u) => ({ wpUserId: u.id, login: u.login, email: u.email, roles: u.roles, meta: u.meta, partner: u.partner })), await repo.partnersByEmails(db, [...new Set(exp.users.map((u) => (u.email ?? '').trim().toLowerCase()).filter(Boolean))]));
      const counts: Record<string, number> = { matched: 0, unmatched: 0, duplicate_email: 0, bad_email: 0, not_partner: 0 };
      for (const u of exp.users) {
        const d = decisions.get(u.id)!;
        counts[d.status]++;
        if (d.status !== 'matched' && d.status !== 'not_partner') report.rows.push({ partnerId: null, source: `WordPress user ${u.id} (${u.login})`, email: u.email, outcome: 'failed', reason: `${d.status.replace('_', ' ')}: ${d.reason}` });
      }
      step({ step: 'match', summary: `match WordPress users to partners by email${partners.total === 0 ? ' (after the import; with the store as it is now:)' : ':'} ${counts.matched} matched, ${counts.unmatched} unmatched, ${counts.duplicate_email} duplicate emails, ${counts.bad_email} bad emails, ${counts.not_partner} not partners`, counts });
      step({ step: 'carry-over', summary: 'carry over PayPal emails (where the partner has none; also written back to Ontraport) and SubIDs the old center held', counts: { matched: counts.matched } });
    }
  }

  const center = await plannedPartnerCenter(deps, situation, now);
  if (center.unknownPrograms.length) report.blockers.push(`PARTNERGATE_ACCESS_PROGRAMS names programs that are not in the store: ${center.unknownPrograms.join(', ')}`);
  step({
    step: 'partner-center',
    summary: center.existing
      ? 'keep the existing partner center configuration'
      : `create the partner center configuration: access for ${center.setup.accessPrograms === 'any' ? 'partners of every program' : `programs ${center.setup.accessPrograms.join(', ')}`}; pages ${center.setup.pages.join(', ')}`,
  });
  step({ step: 'sub-ids', summary: 'gather every partner\'s SubIDs (commissions, clicks) into their SubID list' });

  let targets = await repo.allPartnerIds(db);
  if (opts.csv) {
    const list = await resolvePartnerList(db, opts.csv.text, opts.csv.label);
    targets = list.partnerIds;
    report.rows.push(...list.rejected);
    step({ step: 'partner-list', summary: `partner list ${opts.csv.label}: ${list.partnerIds.length} partners, ${list.rejected.length} lines rejected`, counts: { lines: list.lines, partners: list.partnerIds.length, rejected: list.rejected.length } });
  }
  const dry = await issueCredentials(credentialsDepsOf(deps), targets, { dryRun: true });
  const counts = tally(dry.rows);
  report.rows.push(...dry.rows.filter((r) => r.outcome === 'failed' || r.outcome === 'skipped'));
  step({
    step: 'credentials',
    summary: `${targets.length} partners now in the store: ${dry.rows.filter((r) => r.accountCreated).length} accounts to create, ${counts.queued + counts.requeued} "new partner center" emails to send, ${counts.already_sent} already sent, ${counts.failed} failing, ${counts.skipped} skipped${partners.total === 0 ? ' (partners imported by the first step come on top)' : ''}`,
    counts,
    done: false,
  });

  if (legacy) {
    const target = newCenterUrl(deps, opts);
    if (situation === 'situation-3') {
      const host = opts.partnerCenterHost;
      if (!host) report.blockers.push('give --partner-center-host (the partner center\'s own host, e.g. partners.example.com)');
      else {
        if ((deps.config.partnerCenterHost ?? '').toLowerCase() !== host.toLowerCase()) {
          report.blockers.push(`the gateway does not serve the partner center on ${host}: set PARTNERGATE_PARTNER_CENTER_HOST=${host} (and restart the gateway)`);
        }
        const checks = await checkPartnerCenterHost(deps.httpGet ?? defaultHttpGet, host, { checkUrl: opts.checkUrl, secure: deps.config.cookieSecure });
        const failed = checks.filter((c) => !c.ok);
        if (failed.length) report.warnings.push(`the host ${host} is not ready yet (apply stops before switching WordPress until it is): ${failed.map((c) => c.detail).join('; ')}`);
        step({ step: 'host-check', summary: `check ${host}: ${checks.map((c) => `${c.check} ${c.ok ? 'ok' : 'NOT YET'}`).join(', ')}`, done: false });
      }
    }
    if (exp) {
      const readiness = handoffReadiness(deps, opts, exp.shim);
      report.blockers.push(...readiness.blockers);
      report.warnings.push(...readiness.warnings);
      const from = exp.shim.stored;
      step({
        step: 'switch-wordpress',
        summary: `WordPress: after login ${from.loginRedirect === 'handoff' ? 'hand-off (already)' : 'WordPress/PilotPress decides'} -> partners handed off to the gateway; legacy page ${from.legacyPage301 ? `301 to ${from.legacyPageTarget || 'the gateway'}` : 'no redirect'} -> 301 ${target}`,
      });
    }
  }
  return report;
}
