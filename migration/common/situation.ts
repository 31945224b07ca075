/**
 * A situation = its plan, apply, verify and rollback. `runApply` takes the apply lock (apply-lock.ts: one apply
 * or rollback at a time per store), opens the journal (with the crash plan when one is asked for), runs the
 * situation's steps and gathers the report; the steps themselves journal.
 */
import type { ApplyContext, ApplyReport, MigrationDeps, MigrationOptions, PlanReport, RollbackReport, SituationName, VerifyReport } from './context.js';
import { nowOf } from './context.js';
import { withApplyLock } from './apply-lock.js';
import { CrashPlan, Journal } from './journal.js';
import { planSituation } from './plan.js';
import { rollbackWordPress } from './steps/switch.js';
import { verifySituation } from './verify.js';

export interface Situation {
  name: SituationName;
  title: string;
  plan(deps: MigrationDeps, opts?: MigrationOptions): Promise<PlanReport>;
  apply(deps: MigrationDeps, opts?: MigrationOptions): Promise<ApplyReport>;
  verify(deps: MigrationDeps, opts?: MigrationOptions): Promise<VerifyReport>;
  /** Undoes what apply changed outside the store (WordPress); undefined when there is nothing to undo. */
  rollback?(deps: MigrationDeps, opts?: MigrationOptions): Promise<RollbackReport>;
}

export async function openContext(deps: MigrationDeps, opts: MigrationOptions, situation: SituationName): Promise<ApplyContext> {
  const now = nowOf(deps);
  const journal = await Journal.open(deps.store.db, situation, { crash: new CrashPlan(opts.crashAfterWrites), now });
  return { deps, opts, situation, journal, now, rows: [], steps: [], stepClock: { last: performance.now() } };
}

export async function runApply(deps: MigrationDeps, opts: MigrationOptions, situation: SituationName, steps: (ctx: ApplyContext) => Promise<void>): Promise<ApplyReport> {
  return withApplyLock(deps.store, async () => {
    // Opened under the lock: the journal read is the one the previous holder left, whole.
    const ctx = await openContext(deps, opts, situation);
    await steps(ctx);
    return { situation, ok: !ctx.rows.some((r) => r.outcome === 'failed'), steps: ctx.steps, rows: ctx.rows, checkpoints: ctx.journal.crash.checkpoints };
  });
}

export function defineSituation(name: SituationName, title: string, steps: (ctx: ApplyContext) => Promise<void>, options: { rollback: boolean }): Situation {
  return {
    name,
    title,
    plan: (deps, opts = {}) => planSituation(deps, opts, name),
    apply: (deps, opts = {}) => runApply(deps, opts, name, steps),
    async verify(deps, opts = {}) {
      const ctx = await openContext(deps, opts, name);
      return verifySituation(deps, opts, name, ctx.journal);
    },
    rollback: options.rollback
      ? (deps, opts = {}) => withApplyLock(deps.store, async () => rollbackWordPress(await openContext(deps, opts, name)))
      : undefined,
  };
}
