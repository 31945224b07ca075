/**
 * `verify`: did the migration do what it must? Per partner (every active partner): an account that is not
 * revoked, a sign-in path (a password or company account, or a delivered set-password link that still works),
 * the PayPal email the old center held, and every SubID (old center, commissions, clicks) in the partner's list.
 * Globally: WordPress switched (situations 2 and 3) and the partner center host ready (situation 3).
 */
import type { MigrationDeps, MigrationOptions, PartnerCheck, SituationName, VerifyReport } from './context.js';
import { nowOf } from './context.js';
import { checkPartnerCenterHost, defaultHttpGet } from './host-check.js';
import { legacyPaypal, legacySubIds } from './legacy-match.js';
import * as repo from './verify.repo.js';
import { handoffReadiness, newCenterUrl } from './steps/switch.js';
import { countLegacyByStatus } from './migration.repo.js';
import type { Journal } from './journal.js';

function signInProblem(p: repo.PartnerState, live: Set<number>, emails: Awaited<ReturnType<typeof repo.credentialEmailStates>>): string | null {
  if (p.account_id === null) return 'no account';
  if (p.disabled_at !== null) return 'account revoked';
  if (p.has_password || p.oidc_subject) return null;
  const email = emails.get(p.account_id);
  if (!email) return 'no sign-in path: no password and no credentials email';
  if (email.status === 'sent') return live.has(p.account_id) ? null : 'no sign-in path: the set-password link expired or was voided (`credentials resend` sends a new one)';
  if (email.status === 'failed') return `no sign-in path: the credentials email failed (${(email.error ?? '').slice(0, 120)})`;
  return 'no sign-in path yet: the credentials email is queued, not sent (`partnergate mail drain`)';
}

export async function verifyPartners(deps: MigrationDeps, opts: { legacy: boolean }): Promise<{ counts: Record<string, number>; partners: PartnerCheck[] }> {
  const db = deps.store.db;
  const now = nowOf(deps)();
  const [states, live, emails, lists, missing] = await Promise.all([
    repo.partnerStates(db),
    repo.accountsWithLiveSetPasswordLink(db, now),
    repo.credentialEmailStates(db),
    repo.partnerSubIds(db),
    repo.subIdsMissingFromLists(db),
  ]);
  const legacy = new Map<number, { paypal: string | null; subIds: string[] }>();
  if (opts.legacy) {
    for (const u of await repo.matchedLegacyUsers(db)) {
      const meta = JSON.parse(u.meta_json) as Record<string, unknown>;
      legacy.set(u.partner_id, { paypal: legacyPaypal(meta), subIds: legacySubIds(meta) });
    }
  }
  const counts: Record<string, number> = { partners: states.length, active: 0, inactive: 0, withAccount: 0, signInReady: 0, withPaypal: 0, withoutPaypal: 0, subIds: 0, partnersWithProblems: 0 };
  const partners: PartnerCheck[] = [];
  for (const p of states) {
    counts.subIds += lists.get(p.partner_id)?.size ?? 0;
    if (p.status !== 'active') {
      counts.inactive++;
      continue;
    }
    counts.active++;
    if (p.account_id !== null) counts.withAccount++;
    if (p.paypal_email) counts.withPaypal++;
    else counts.withoutPaypal++;
    const problems: string[] = [];
    const signIn = signInProblem(p, live, emails);
    if (signIn) problems.push(signIn);
    else counts.signInReady++;
    const old = legacy.get(p.partner_id);
    if (old?.paypal && !p.paypal_email) problems.push(`PayPal email ${old.paypal} from the old partner center was not carried over`);
    const have = lists.get(p.partner_id) ?? new Set<string>();
    const lost = [...(old?.subIds.filter((s) => !have.has(s)) ?? []), ...(missing.get(p.partner_id) ?? [])];
    if (lost.length) problems.push(`SubIDs not carried over: ${[...new Set(lost)].slice(0, 10).join(', ')}${lost.length > 10 ? '...' : ''}`);
    if (problems.length) partners.push({ partnerId: p.partner_id, email: p.contact_email, problems });
  }
  counts.partnersWithProblems = partners.length;
  return { counts, partners };
}

export async function verifySituation(deps: MigrationDeps, opts: MigrationOptions, situation: SituationName, journal: Journal): Promise<VerifyReport> {
  const legacy = situation !== 'situation-1';
  const { counts, partners } = await verifyPartners(deps, { legacy });
  const checks: VerifyReport['checks'] = [];
  const steps = situation === 'situation-1' ? ['import-partners', 'partner-center', 'sub-ids'] : ['import-partners', 'legacy-export', 'partner-center', 'sub-ids', 'switch-wordpress'];
  for (const step of steps) checks.push({ check: `step ${step}`, ok: journal.isDone(step), detail: journal.isDone(step) ? 'done' : 'not done: run apply' });
  if (legacy) {
    Object.assign(counts, Object.fromEntries(Object.entries(await countLegacyByStatus(deps.store.db)).map(([k, v]) => [`wordpressUsers_${k}`, v])));
    if (deps.wordpress) {
      const target = newCenterUrl(deps, opts);
      const state = await deps.wordpress.state();
      const eff = state.shim.effective;
      const switchedOk = eff.loginRedirect === 'handoff' && eff.legacyPage301 && eff.legacyPageTarget === target;
      checks.push({
        check: 'WordPress switched',
        ok: switchedOk,
        detail: switchedOk ? `partners handed off after login; legacy page -> ${target}` : `login_redirect ${eff.loginRedirect}, legacy_page_301 ${eff.legacyPage301}, target ${eff.legacyPageTarget || '(none)'}; expected handoff, true, ${target}`,
      });
      const readiness = handoffReadiness(deps, opts, state.shim);
      checks.push({ check: 'WordPress hand-off reaches this gateway', ok: readiness.blockers.length === 0, detail: [...readiness.blockers, ...readiness.warnings].join('; ') || `hand-off to ${state.shim.gatewayUrl}` });
      const pageUrl = state.page?.url;
      if (!pageUrl) checks.push({ check: 'legacy page answers 301', ok: false, detail: 'the legacy "Partner Center" page was not found in the export' });
      else {
        const probe = await deps.wordpress.probe(pageUrl);
        const ok = probe.status === 301 && probe.location === target;
        checks.push({ check: 'legacy page answers 301', ok, detail: ok ? `${pageUrl} -> 301 ${target}` : `${pageUrl} answered ${probe.status}${probe.location ? ` -> ${probe.location}` : ''}, expected 301 to ${target}` });
      }
    } else {
      checks.push({ check: 'WordPress switched', ok: false, detail: 'not checked: give --wp-url, --wp-user and --wp-app-password' });
    }
  }
  if (situation === 'situation-3' && opts.partnerCenterHost) {
    for (const c of await checkPartnerCenterHost(deps.httpGet ?? defaultHttpGet, opts.partnerCenterHost, { checkUrl: opts.checkUrl, secure: deps.config.cookieSecure })) checks.push(c);
  }
  return { situation, ok: partners.length === 0 && checks.every((c) => c.ok), counts, checks, partners };
}

