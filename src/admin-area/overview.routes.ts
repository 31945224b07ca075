/** `/`: the admin area's start page: a few figures that say whether something needs attention, with links. */
import { Router } from 'express';
import type { GatewayDeps } from '../deps.js';
import { render } from './http.js';

export function overviewRoutes(deps: GatewayDeps): Router {
  const router = Router();
  const { db } = deps.store;

  router.get('/', async (req, res) => {
    const [partners, emails, syncs] = await Promise.all([
      db.selectFrom('partners').select((eb) => ['status', eb.fn.countAll<number>().as('n')]).groupBy('status').execute(),
      db.selectFrom('email_outbox').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'failed').executeTakeFirst(),
      db.selectFrom('sync_state').select((eb) => eb.fn.max('last_completed_at').as('at')).executeTakeFirst(),
    ]);
    const count = (s: string) => Number(partners.find((p) => p.status === s)?.n ?? 0);
    render(deps, req, res, 'overview', 'home', {
      title: 'Admin',
      activePartners: count('active'),
      inactivePartners: count('inactive'),
      failedEmails: Number(emails?.n ?? 0),
      lastSyncAt: syncs?.at === null || syncs?.at === undefined ? undefined : Number(syncs.at),
    });
  });

  return router;
}
