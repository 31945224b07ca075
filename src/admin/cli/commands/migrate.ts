/**
 * `partnergate migrate situation-1|2|3 plan|apply|verify|status [--rollback]` and `migrate status`: the
 * migrations of migration/ with the gateway's configuration, the Ontraport sync, the legacy WordPress site
 * (wp-shim) and the mail outbox. `apply` commits the state and queues the emails, then returns (`--send` also
 * drains the outbox here); one apply runs at a time per store (a second one exits 5).
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { AppError } from '../../../common/index.js';
import { createLegacyWordPress, migrationStatus, situations, type MigrationDeps, type MigrationOptions, type SituationName } from '../../../../migration/index.js';
import { importPartnersFor } from '../../adapters.js';
import { readPartnerListFile } from '../../../accounts/index.js';
import { action, parsePositiveInt, type CliIo, type RunState } from '../command.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { describeRow, type Progress } from '../output.js';
import type { CliRuntime } from '../runtime.js';
import { rowLines } from './credentials.js';
import { outboxLine } from './mail.js';

interface MigrateOpts {
  rollback?: boolean;
  dryRun?: boolean;
  wpUrl?: string;
  wpUser?: string;
  wpAppPassword?: string;
  wpAppPasswordFile?: string;
  partnerCenterHost?: string;
  checkUrl?: string;
  csv?: string;
  send?: boolean;
  batchSize?: number;
  crashAfterWrites?: number;
  holdFile?: string;
}

function appPassword(opts: MigrateOpts): string | undefined {
  if (opts.wpAppPasswordFile) {
    try {
      return readFileSync(opts.wpAppPasswordFile, 'utf8').trim();
    } catch (err) {
      throw new AppError('request.invalid_field', `wp-app-password-file: cannot read ${opts.wpAppPasswordFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { field: 'wp-app-password-file' });
    }
  }
  return opts.wpAppPassword;
}

async function depsFor(rt: CliRuntime, io: CliIo, opts: MigrateOpts, situation: string): Promise<MigrationDeps> {
  const store = await rt.store();
  let wordpress;
  if (opts.wpUrl) {
    const password = appPassword(opts);
    if (!opts.wpUser || !password) throw new AppError('request.invalid_field', 'wp-user: --wp-url needs --wp-user and --wp-app-password (or --wp-app-password-file)', { field: 'wp-user' });
    if (!/^https?:\/\//.test(opts.wpUrl)) throw new AppError('request.invalid_field', `wp-url: ${JSON.stringify(opts.wpUrl)} must be an http:// or https:// URL`, { field: 'wp-url' });
    wordpress = createLegacyWordPress({ url: opts.wpUrl, user: opts.wpUser, appPassword: password });
  }
  return {
    store,
    config: rt.config,
    views: rt.views(),
    mail: rt.mail(),
    logger: rt.logger,
    now: io.overrides?.now,
    canSend: rt.canSend(),
    importPartners: io.overrides?.importPartners ?? importPartnersFor(rt, `migration:${situation}`),
    wordpress: io.overrides?.wordpress ?? wordpress,
    httpGet: io.overrides?.httpGet,
  };
}

function optionsFor(opts: MigrateOpts, onProgress: MigrationOptions['onProgress']): MigrationOptions {
  return {
    csv: opts.csv ? { text: readPartnerListFile(opts.csv), label: opts.csv } : undefined,
    partnerCenterHost: opts.partnerCenterHost?.toLowerCase(),
    checkUrl: opts.checkUrl,
    send: opts.send === true,
    batchSize: opts.batchSize,
    crashAfterWrites: opts.crashAfterWrites,
    holdFile: opts.holdFile,
    onProgress,
  };
}

/** One progress bar per kind of work, replaced when the work changes. */
function progressBars(rt: CliRuntime): { onProgress: NonNullable<MigrationOptions['onProgress']>; stop(): void } {
  let label = '';
  let bar: Progress | undefined;
  return {
    onProgress(next, done, total) {
      if (next !== label) {
        bar?.stop();
        bar = rt.out.progress(next);
        label = next;
      }
      bar!.update(done, Math.max(total, done));
    },
    stop: () => bar?.stop(),
  };
}

/** `migrate status` / `migrate <situation> status`: journal, running apply, outbox. */
async function statusOf(rt: CliRuntime, names: SituationName[]): Promise<ExitCodeValue> {
  const status = await migrationStatus(await rt.store(), names);
  rt.out.result({ ok: true, ...status }, () => [
    status.applyRunning ? `apply running: ${status.applyRunning}` : 'no apply running',
    ...status.situations.flatMap((s) => {
      const items = Object.entries(s.items).map(([step, c]) => `${step} ${c.done} done, ${c.failed} failed, ${c.skipped} skipped`);
      if (!s.stepsDone.length && !items.length) return [`${s.situation}: not started`];
      return [`${s.situation}: steps done: ${s.stepsDone.join(', ') || 'none'}`, ...items.map((l) => `  ${l}`)];
    }),
    outboxLine(status.outbox),
  ]);
  return ExitCode.ok;
}

export function migrateCommand(io: CliIo, state: RunState): Command {
  return new Command('migrate')
    .description('move partners to the new partner center: situation-1 (from scratch), situation-2 (membership site + WordPress partner center), situation-3 (everything on WordPress, partner center on its own host)')
    .argument('<situation>', 'situation-1, situation-2 or situation-3; or `status` alone: every situation and the outbox')
    .argument('[action]', 'plan (what will happen, counts), apply (resumable; --rollback undoes the WordPress switch), verify (every partner checked) or status (journal and outbox counts)')
    .option('--rollback', 'with apply: restore the WordPress post-login redirect and legacy page as they were')
    .option('--dry-run', 'with apply: show the plan, change nothing')
    .option('--wp-url <url>', 'situations 2 and 3: the WordPress site (with wp-shim active)')
    .option('--wp-user <user>', 'a WordPress administrator')
    .option('--wp-app-password <password>', 'that user\'s Application Password')
    .option('--wp-app-password-file <file>', 'read the Application Password from a file (keeps it out of the process list)')
    .option('--partner-center-host <host>', 'situation 3: the partner center\'s own host, e.g. partners.example.com')
    .option('--check-url <url>', 'situation 3: reach that host here for the check (sent with Host: <host>), before DNS points at it')
    .option('--csv <file>', 'situation 1: a partner list (CSV naming partner_id, contact_id or email); only these partners get credentials')
    .option('--send', 'with apply: also drain the outbox in this process once the state is committed (default: queue only; the gateway\'s background jobs or `mail drain` send them)')
    .option('--batch-size <n>', 'partners per transaction (default 200)', parsePositiveInt('batch-size', 1))
    .addOption(new Option('--crash-after-writes <n>', 'tests: simulate a crash at the Nth journal write').argParser(parsePositiveInt('crash-after-writes', 1)).hideHelp())
    .addOption(new Option('--hold-file <file>', 'tests: after the first credentials batch, write <file>.held and wait for <file>').hideHelp())
    .action(
      action<MigrateOpts>(io, state, async (rt, opts, [name, verb]) => {
        if (name === 'status' && verb === undefined) return statusOf(rt, Object.keys(situations) as SituationName[]);
        if (verb === undefined) throw new AppError('request.invalid_field', 'action: give one of plan, apply, verify, status', { field: 'action' });
        if (!(name in situations)) throw new AppError('request.invalid_field', `situation: ${JSON.stringify(name)} is not one of situation-1, situation-2, situation-3`, { field: 'situation' });
        if (!['plan', 'apply', 'verify', 'status'].includes(verb)) throw new AppError('request.invalid_field', `action: ${JSON.stringify(verb)} is not one of plan, apply, verify, status`, { field: 'action' });
        if (verb === 'status') return statusOf(rt, [name as SituationName]);
        if (opts.rollback && verb !== 'apply') throw new AppError('request.invalid_field', 'rollback: --rollback goes with apply', { field: 'rollback' });
        const situation = situations[name as SituationName];
        const deps = await depsFor(rt, io, opts, name);
        const bars = progressBars(rt);
        const options = optionsFor(opts, bars.onProgress);
        try {
          if (verb === 'plan' || (verb === 'apply' && opts.dryRun && !opts.rollback)) {
            const plan = await situation.plan(deps, options);
            rt.out.result({ ok: plan.blockers.length === 0, ...plan }, () => [
              `${name} plan — ${situation.title}`,
              ...plan.blockers.map((b) => `BLOCKER: ${b}`),
              ...plan.warnings.map((w) => `warning: ${w}`),
              ...plan.steps.map((s) => `  ${s.done ? '[done]' : '[ ]   '} ${s.step}: ${s.summary}`),
              ...(plan.rows.length ? ['rows that will not get credentials:', ...rowLines(plan.rows, () => true)] : []),
            ]);
            return plan.blockers.length ? ExitCode.usage : ExitCode.ok;
          }
          if (verb === 'apply' && opts.rollback) {
            if (!situation.rollback) throw new AppError('request.invalid_field', `rollback: ${name} changes nothing outside Partnergate, there is nothing to roll back`, { field: 'rollback' });
            if (opts.dryRun) {
              rt.out.result({ ok: true, dryRun: true }, () => `[dry run] ${name} rollback would restore the WordPress settings read before the switch`);
              return ExitCode.ok;
            }
            const rb = await situation.rollback(deps, options);
            rt.out.result({ ok: true, ...rb }, () => rb.summary);
            return ExitCode.ok;
          }
          if (verb === 'apply') {
            const report = await situation.apply(deps, options);
            bars.stop();
            rt.out.result(report, () => [
              `${name} apply — ${situation.title}`,
              ...report.steps.map((s) => `  ${s.status === 'earlier' ? '[earlier]' : s.status === 'done' ? '[done]   ' : `[${s.status}]`} ${s.step}: ${s.summary}${s.ms !== undefined && s.ms >= 1000 ? ` (${(s.ms / 1000).toFixed(1)} s)` : ''}`),
              ...(report.rows.length ? ['rows needing attention:', ...rowLines(report.rows, () => true)] : []),
              report.ok ? 'done.' : 'done, with rows that failed (above): fix them and run apply again; it only redoes what is not done.',
              ...(opts.send ? [] : ['emails are queued: the gateway sends them in the background, or run `partnergate mail drain`; `partnergate migrate status` shows how far they are.']),
            ]);
            return report.ok ? ExitCode.ok : ExitCode.partial;
          }
          const verify = await situation.verify(deps, options);
          rt.out.result(verify, () => [
            `${name} verify: ${verify.ok ? 'OK' : 'PROBLEMS'}`,
            `  ${Object.entries(verify.counts).map(([k, v]) => `${k} ${v}`).join(', ')}`,
            ...verify.checks.map((c) => `  ${c.ok ? 'ok    ' : 'FAILED'} ${c.check}: ${c.detail}`),
            ...verify.partners.slice(0, 50).map((p) => `  ${describeRow({ partnerId: p.partnerId, email: p.email, outcome: 'failed', reason: p.problems.join('; ') })}`),
            ...(verify.partners.length > 50 ? [`  ... and ${verify.partners.length - 50} more partners (--json lists all)`] : []),
          ]);
          if (verify.checks.some((c) => !c.ok)) return ExitCode.failure;
          return verify.partners.length ? ExitCode.partial : ExitCode.ok;
        } finally {
          bars.stop();
        }
      }),
    );
}
