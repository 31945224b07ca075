/**
 * Day-to-day admin commands that call other capabilities' services: `demo-data`, `sync`, `tiers evaluate`,
 * `groups list | export`, `payouts masspay` (and `payouts confirm`, in payouts.ts).
 */
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { evaluateTiers, groupMembers, listGroups } from '../../../blocks/index.js';
import { AppError } from '../../../common/index.js';
import { generateDemoData } from '../../../demo/index.js';
import { createOntraportClient, readAllSyncStates, runSync, syncObjectNames } from '../../../ontraport/index.js';
import { massPayExport, neutraliseFormula } from '../../../reports/index.js';
import { blocksConfigOf, blocksDeps } from '../../adapters.js';
import { defineCommand, parseIds, parsePositiveInt, type CliIo, type RunState } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import type { Progress } from '../output.js';
import type { CliRuntime } from '../runtime.js';
import { payoutsConfirmCommand } from './payouts.js';

/** Writes to `path` through a temporary file renamed at the end, so a failed run leaves no half file. */
async function toFile(path: string, write: (out: Writable) => Promise<unknown>): Promise<void> {
  const tmp = `${path}.partial-${process.pid}`;
  const out = createWriteStream(tmp);
  try {
    await write(out);
    if (!out.writableEnded) out.end();
    await finished(out);
    renameSync(tmp, path);
  } catch (err) {
    out.destroy();
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** A CSV to `--output FILE` (written whole or not at all), else to stdout, where `--json` output cannot also go. */
async function toOutputOrStdout(rt: CliRuntime, io: CliIo, output: string | undefined, write: (out: Writable) => Promise<unknown>): Promise<void> {
  if (output) return toFile(output, write);
  if (rt.out.json) throw new AppError('request.invalid_field', 'output: with --json, give --output FILE for the CSV', { field: 'output' });
  await write(io.stdout as unknown as Writable);
}

function money(value: string, field: string): number {
  if (!/^\d+(\.\d{1,2})?$/.test(value.trim())) throw new AppError('request.invalid_field', `${field}: ${JSON.stringify(value)} must be an amount like 50 or 50.00`, { field });
  const [whole, frac = ''] = value.trim().split('.');
  return Number(whole) * 100 + Number(frac.padEnd(2, '0'));
}

export function demoDataCommand(io: CliIo, state: RunState): Command {
  return defineCommand<{ seed: number; partners: number; commissions: number; dryRun?: boolean }>(io, state, 'demo-data', {
    description: 'generate believable demo data (deterministic from --seed) into the store, at bulk speed; reports rows/s',
    options: [
      ['--seed <n>', 'random seed (same seed, same data)', parsePositiveInt('seed', 0), 1],
      ['--partners <n>', 'partners to create', parsePositiveInt('partners', 1), 50],
      ['--commissions <n>', 'commissions to create', parsePositiveInt('commissions', 0), 2000],
      ['--dry-run', 'say what would be generated, write nothing'],
    ],
    run: async (rt, opts) => {
      if (rt.config.environment === 'production') throw new AppError('request.invalid_field', 'demo-data: refused in production (PARTNERGATE_ENV=production)', { field: 'environment' });
      if (opts.dryRun) {
        rt.out.result({ ok: true, dryRun: true, ...opts }, () => `[dry run] would generate ${opts.partners} partners and ${opts.commissions} commissions (seed ${opts.seed}) with their contacts, clicks, payouts and promo tools`);
        return;
      }
      const store = await rt.store();
      const bar = rt.out.progress('generating demo data');
      try {
        const summary = await generateDemoData(store, { seed: opts.seed, partners: opts.partners, commissions: opts.commissions, onProgress: (p) => bar.update(p.totalRows, Math.max(p.totalRows, 1)) });
        bar.stop();
        rt.out.result({ ok: true, ...summary }, () => [
          `generated ${summary.totalRows} rows in ${summary.seconds.toFixed(1)} s (${Math.round(summary.rowsPerSecond)} rows/s)`,
          ...Object.entries(summary.rows).map(([t, n]) => `  ${t}: ${n}`),
        ]);
      } finally {
        bar.stop();
      }
    },
  });
}

export function syncCommand(io: CliIo, state: RunState): Command {
  return defineCommand<{ full?: boolean; objects?: string[]; dryRun?: boolean }>(io, state, 'sync', {
    description: 'copy Ontraport\'s partner data into the store: incremental by date modified, or --full (also notices deletions); resumable',
    options: [
      ['--full', 'full import instead of the incremental sync'],
      ['--objects <names...>', `only these object types (${syncObjectNames.join(', ')})`],
      ['--dry-run', 'show what would be synced and where the last run stopped, call nothing'],
    ],
    run: async (rt, opts) => {
      const objects = opts.objects?.flatMap((o) => o.split(',')).map((o) => o.trim()).filter(Boolean);
      const unknown = objects?.filter((o) => !(syncObjectNames as readonly string[]).includes(o)) ?? [];
      if (unknown.length) throw new AppError('request.invalid_field', `objects: unknown object type ${unknown.join(', ')} (known: ${syncObjectNames.join(', ')})`, { field: 'objects' });
      const store = await rt.store();
      if (opts.dryRun) {
        const states = await readAllSyncStates(store.db);
        const names = objects?.length ? objects : [...syncObjectNames];
        rt.out.result({ ok: true, dryRun: true, kind: opts.full ? 'full' : 'incremental', objects: names, state: states }, () => [
          `[dry run] would run a ${opts.full ? 'full' : 'incremental'} sync of ${names.join(', ')}`,
          ...names.map((n) => {
            const s = states[n];
            return `  ${n}: ${s?.lastCompletedAt ? `last completed ${new Date(s.lastCompletedAt).toISOString()}` : 'never synced'}${s?.inProgress ? ` (a ${s.inProgress.kind} run stopped half-way and will resume)` : ''}`;
          }),
        ]);
        return;
      }
      const client = createOntraportClient(rt.config, { logger: rt.logger, store });
      let bar: Progress | undefined;
      let current = '';
      try {
        const summary = await runSync(
          { store, client, logger: rt.logger },
          {
            full: opts.full,
            objects,
            defaultCurrency: rt.config.defaultCurrency,
            onProgress: (p) => {
              if (p.object !== current) {
                bar?.stop();
                bar = rt.out.progress(`sync ${p.object}`);
                current = p.object;
              }
              bar!.update(p.fetched, Math.max(p.total, p.fetched));
            },
          },
        );
        bar?.stop();
        rt.out.result(summary, () => [
          `${summary.kind} sync ${summary.ok ? 'done' : 'done with failures'}: ${summary.requests} requests in ${((summary.finishedAt - summary.startedAt) / 1000).toFixed(1)} s`,
          ...summary.objects.map((o) => `  ${o.object}: ${o.status}, ${o.fetched} fetched, ${o.upserted} stored, ${o.deleted} removed, ${o.skipped} skipped${o.error ? ` — ${o.error.message}` : ''}`),
          ...summary.objects.flatMap((o) => o.skippedRecords.slice(0, 20).map((r) => `  ${o.object} #${r.id}: skipped — ${r.reason}`)),
        ]);
        return summary.ok && summary.objects.every((o) => o.skipped === 0) ? ExitCode.ok : ExitCode.partial;
      } finally {
        bar?.stop();
      }
    },
  });
}

export function tiersCommand(io: CliIo, state: RunState): Command {
  const cmd = new Command('tiers').description('tier ladders (blocks configuration)');
  defineCommand<{ partner?: number[]; dryRun?: boolean }>(io, state, 'evaluate', {
    description: 'move partners up or down their tier ladder by the configured rules (program changes are written back to Ontraport)',
    options: [
      ['--partner <ids...>', 'only these partners', parseIds('partner')],
      ['--dry-run', 'show the moves, make none'],
    ],
    run: async (rt, opts) => {
      const result = await evaluateTiers(await blocksDeps(rt), { dryRun: opts.dryRun, partnerIds: opts.partner, blocks: await blocksConfigOf(rt) });
      rt.out.result({ ok: true, ...result }, () => [
        `${result.dryRun ? '[dry run] ' : ''}tiers: ${result.evaluated} partners evaluated, ${result.changes.length} ${result.dryRun ? 'would move' : 'moved'}, ${result.skipped.length} skipped`,
        ...result.changes.slice(0, 50).map((c) => `  partner ${c.partnerId}: ${c.from.programName} -> ${c.to.programName} (${c.rule}: ${c.value})`),
        ...result.skipped.slice(0, 50).map((s) => `  partner ${s.partnerId}: skipped — ${s.reason}`),
      ]);
      return result.skipped.length ? ExitCode.partial : ExitCode.ok;
    },
  }, cmd);
  return cmd;
}

export function groupsCommand(io: CliIo, state: RunState): Command {
  const cmd = new Command('groups').description('partner groups (blocks configuration)');
  defineCommand(io, state, 'list', {
    description: 'every configured group and its filter',
    run: async (rt) => {
      const groups = listGroups(await blocksConfigOf(rt));
      rt.out.result({ ok: true, groups }, () => (groups.length ? groups.map((g) => `${g.name}: ${g.label} — ${g.filter}`) : ['no groups configured (PARTNERGATE_BLOCKS_CONFIG)']));
    },
  }, cmd);
  defineCommand<{ output?: string }>(io, state, 'export', {
    description: 'the members of a group as CSV (stdout, or --output FILE)',
    args: [['<name>', 'group name (see `groups list`)']],
    options: [['--output <file>', 'write the CSV here instead of stdout']],
    run: async (rt, opts, [name]) => {
      const deps = await blocksDeps(rt);
      const blocks = await blocksConfigOf(rt);
      const group = listGroups(blocks).find((g) => g.name === name);
      if (!group) throw new AppError('request.invalid_field', `group: no group named ${JSON.stringify(name)} (see \`partnergate groups list\`)`, { field: 'group' });
      const rollups = group.rollups.map((r) => r.name);
      let count = 0;
      const write = async (out: Writable) => {
        const cell = (v: unknown) => (typeof v === 'string' ? neutraliseFormula(v) : v);
        out.write(stringify([['partner_id', 'first_name', 'last_name', 'email', 'program', 'status', 'currency', ...rollups]]));
        for await (const m of groupMembers(deps, name, { blocks })) {
          count++;
          out.write(stringify([[m.partnerId, m.firstName, m.lastName, m.email ?? '', m.programName, m.status, m.currency, ...rollups.map((r) => m.values[r] ?? 0)].map(cell)]));
        }
      };
      await toOutputOrStdout(rt, io, opts.output, write);
      if (opts.output) rt.out.result({ ok: true, group: name, members: count, file: opts.output }, () => `group ${name}: ${count} members written to ${opts.output}`);
      else rt.out.note(`group ${name}: ${count} members`);
    },
  }, cmd);
  return cmd;
}

export function payoutsCommand(io: CliIo, state: RunState): Command {
  const cmd = new Command('payouts').description('payouts to partners');
  defineCommand<{ threshold: string; currency?: string; output?: string }>(io, state, 'masspay', {
    description: 'the PayPal MassPay file (email, amount, currency, unique id) of approved balances at or above the threshold; partners without a valid PayPal email are listed, not paid',
    required: [['--threshold <amount>', 'smallest balance to pay, e.g. 50 or 50.00']],
    options: [
      ['--currency <code>', 'only commissions in this currency (default: PARTNERGATE_DEFAULT_CURRENCY)'],
      ['--output <file>', 'write the CSV here instead of stdout'],
    ],
    run: async (rt, opts) => {
      const currency = (opts.currency ?? rt.config.defaultCurrency).toUpperCase();
      if (!/^[A-Z]{3}$/.test(currency)) throw new AppError('request.invalid_field', `currency: ${JSON.stringify(opts.currency)} is not an ISO 4217 code`, { field: 'currency' });
      const threshold = money(opts.threshold, 'threshold');
      const db = (await rt.store()).db;
      let summary: Awaited<ReturnType<typeof massPayExport>> | undefined;
      await toOutputOrStdout(rt, io, opts.output, async (out) => {
        summary = await massPayExport(db, { threshold, currency }, out);
      });
      const s = summary!;
      const lines = [
        `MassPay ${currency}: ${s.payees} payees, ${(s.totalCents / 100).toFixed(2)} ${currency}${opts.output ? ` in ${opts.output}` : ''}; ${s.skipped.length} partners left out`,
        ...s.skipped.slice(0, 50).map((p) => `  partner ${p.partnerId} (${p.name || p.referralCode}): ${(p.amountCents / 100).toFixed(2)} ${currency} not paid — ${p.reason === 'no_paypal_email' ? 'no PayPal email' : `invalid PayPal email ${JSON.stringify(p.paypalEmail)}`}`),
      ];
      if (opts.output) rt.out.result({ ok: true, file: opts.output, ...s }, () => lines);
      else for (const l of lines) rt.out.note(l);
      return s.skipped.length ? ExitCode.partial : ExitCode.ok;
    },
  }, cmd);
  cmd.addCommand(payoutsConfirmCommand(io, state));
  return cmd;
}
