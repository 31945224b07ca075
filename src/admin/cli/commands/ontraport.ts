/**
 * `partnergate ontraport check [--days N]`: read-only look at the configured Ontraport account (see
 * src/ontraport/check.ts): objects and fields found, the mapping chosen for each Partnergate field, counts,
 * rate-limit headers, and how the account reads a condition mixing AND and OR. Exit 4 when an object type
 * cannot be synced (its problem is printed); run it before the first sync.
 */
import { Command } from 'commander';
import { checkOntraport, createOntraportClient, type CheckReport } from '../../../ontraport/index.js';
import { defineCommand, parsePositiveInt, type CliIo, type RunState } from '../command.js';
import { ExitCode } from '../exit-codes.js';

function lines(r: CheckReport): string[] {
  const out = [`Ontraport account check (read-only, ${r.requests} requests): ${r.ok ? 'every object type can be synced' : 'some object types cannot be synced'}`];
  const h = r.rateLimit;
  out.push(h ? `rate limit headers: limit ${h.limit ?? '?'}, remaining ${h.remaining ?? '?'}, reset ${h.resetSeconds ?? '?'} s` : 'rate limit headers: none received');
  for (const o of r.objects) {
    out.push(`${o.object} (object ${o.objectType}${o.name ? ` "${o.name}"` : ''}): ${o.fields.length} fields, ${o.count ?? '?'} records`);
    if (o.mapping) out.push(`  mapping: ${Object.entries(o.mapping).map(([k, v]) => `${k} -> ${v ?? '(none)'}`).join(', ')}`);
    for (const s of o.scope ?? []) out.push(`  in scope ${s.condition}: ${s.count}`);
    if (o.problem) out.push(`  PROBLEM: ${o.problem}`);
  }
  const p = r.precedence;
  if (p) {
    out.push(`precedence sample (contacts in scope modified since ${new Date(p.modifiedSince * 1000).toISOString()}):`);
    out.push(`  one mixed AND/OR array: ${p.mixedCount}; per branch: ${p.branchCounts.join(' + ')}; merged by id: ${p.mergedCount ?? '(not fetched)'}`);
    out.push(`  ${p.reading}`);
  }
  return out;
}

export function ontraportCommand(io: CliIo, state: RunState): Command {
  const cmd = new Command('ontraport').description('the configured Ontraport account as Partnergate sees it');
  defineCommand<{ days: number }>(io, state, 'check', {
    description: 'read-only: objects and fields found, the mapping of each Partnergate field, counts, rate-limit headers, and how the account reads AND/OR',
    options: [
      ['--days <n>', 'the sample incremental query covers contacts modified in the last N days', parsePositiveInt('days', 1), 30],
    ],
    run: async (rt, opts) => {
      const client = createOntraportClient(rt.config, { logger: rt.logger });
      try {
        const report = await checkOntraport(client, { sampleDays: opts.days });
        rt.out.result(report, () => lines(report));
        return report.ok ? ExitCode.ok : ExitCode.partial;
      } finally {
        client.close();
      }
    },
  }, cmd);
  return cmd;
}
