/**
 * `/journals`: the migration journal per situation and step (situation-1..3 of `partnergate migrate`): items
 * done, failed and skipped, when the step last moved, and what the step recorded (a verify step's result).
 */
import { Router } from 'express';
import type { GatewayDeps } from '../deps.js';
import type { Database, Kysely } from '../store/index.js';
import { render } from './http.js';

/** The journal's whole-step rows use this item key (migration/common/journal.ts). */
const STEP_ITEM = '*';

async function journalSummary(db: Kysely<Database>) {
  const counts = await db
    .selectFrom('migration_journal')
    .select((eb) => ['situation', 'step', 'status', eb.fn.countAll<number>().as('n'), eb.fn.max('at').as('last_at')])
    .where('item_key', '<>', STEP_ITEM)
    .groupBy(['situation', 'step', 'status'])
    .execute();
  const steps = await db.selectFrom('migration_journal').select(['situation', 'step', 'status', 'details_json', 'at']).where('item_key', '=', STEP_ITEM).execute();
  return { counts, steps };
}

/** A step's recorded details, short enough for a table cell. */
function summarise(detailsJson: string | null): string | undefined {
  if (!detailsJson) return undefined;
  const text = detailsJson.length > 300 ? `${detailsJson.slice(0, 297)}...` : detailsJson;
  return text === 'null' ? undefined : text;
}

export function journalRoutes(deps: GatewayDeps): Router {
  const router = Router();

  router.get('/journals', async (req, res) => {
    const { counts, steps } = await journalSummary(deps.store.db);
    const byStep = new Map<string, { situation: string; step: string; done: number; failed: number; skipped: number; lastAt: number; status?: string; details?: string; verify: boolean }>();
    const entry = (situation: string, step: string) => {
      const key = `${situation}\u0000${step}`;
      let e = byStep.get(key);
      if (!e) byStep.set(key, (e = { situation, step, done: 0, failed: 0, skipped: 0, lastAt: 0, verify: step.includes('verify') }));
      return e;
    };
    for (const c of counts) {
      const e = entry(c.situation, c.step);
      e[c.status] = Number(c.n);
      e.lastAt = Math.max(e.lastAt, Number(c.last_at));
    }
    for (const s of steps) {
      const e = entry(s.situation, s.step);
      e.status = s.status;
      e.details = summarise(s.details_json);
      e.lastAt = Math.max(e.lastAt, s.at);
    }
    const rows = [...byStep.values()].sort((a, b) => a.situation.localeCompare(b.situation) || a.lastAt - b.lastAt);
    render(deps, req, res, 'journals', 'journals', { title: 'Migration journals', rows });
  });

  return router;
}
