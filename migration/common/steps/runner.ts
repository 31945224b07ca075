/**
 * Running a step once: a step that is one unit of work is skipped when the journal has it `done` (item `*`),
 * and journaled after it succeeds. Steps over many items journal each item themselves.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../../src/store/index.js';
import type { ApplyContext, StepReport } from '../context.js';
import { STEP_ITEM } from '../journal.js';

export interface OnceResult {
  summary: string;
  counts?: Record<string, number>;
  /** Extra details kept in the journal (e.g. the rollback snapshot). */
  details?: Record<string, unknown>;
  /** The step journaled itself inside its own transaction. */
  recorded?: boolean;
}

export async function onceStep(ctx: ApplyContext, step: string, fn: (record: (trx: Kysely<Database> | Transaction<Database>, r: OnceResult) => Promise<void>) => Promise<OnceResult>): Promise<void> {
  if (ctx.journal.isDone(step)) {
    const earlier = await ctx.journal.details<{ summary?: string; counts?: Record<string, number> }>(step);
    pushStep(ctx, { step, status: 'earlier', summary: earlier?.details?.summary ?? 'done by an earlier run', counts: earlier?.details?.counts });
    return;
  }
  const record = (trx: Kysely<Database> | Transaction<Database>, r: OnceResult) => ctx.journal.record(step, STEP_ITEM, 'done', { summary: r.summary, counts: r.counts, ...r.details }, trx);
  const result = await fn(record);
  if (!result.recorded) await ctx.journal.record(step, STEP_ITEM, 'done', { summary: result.summary, counts: result.counts, ...result.details });
  pushStep(ctx, { step, status: 'done', summary: result.summary, counts: result.counts });
}

/** Adds a step to the report with the time it took (since the previous step ended). */
export function pushStep(ctx: ApplyContext, report: Omit<StepReport, 'ms'>): void {
  const now = performance.now();
  ctx.steps.push({ ...report, ms: Math.round(now - ctx.stepClock.last) });
  ctx.stepClock.last = now;
}

export function progressOf(ctx: ApplyContext, label: string): (done: number, total: number) => void {
  return (done, total) => ctx.opts.onProgress?.(label, done, total);
}
