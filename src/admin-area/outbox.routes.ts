/**
 * `/outbox`: the email outbox by status (queued, sending, sent, failed) with each row's attempts and last error,
 * and `POST /outbox/:id/retry`, which puts one failed email back in the queue (audited). Sent emails are not
 * offered: resending those is `partnergate credentials resend`, which knows who should get what.
 */
import { Router } from 'express';
import { AppError } from '../common/index.js';
import type { GatewayDeps } from '../deps.js';
import { countOutbox, requeueEmail } from '../mail/index.js';
import type { Database, Kysely } from '../store/index.js';
import { ADMIN_BASE, auditAdmin, pageNumber, positiveInt, queryChoice, render } from './http.js';

const PAGE_SIZE = 50;
const STATUSES = ['queued', 'sending', 'sent', 'failed'] as const;

/** Reads of `email_outbox` for the admin area (the mail capability owns every write). */
async function outboxPage(db: Kysely<Database>, status: (typeof STATUSES)[number] | 'all', page: number) {
  let q = db.selectFrom('email_outbox').select(['id', 'to_address', 'template', 'status', 'attempts', 'last_error', 'created_at', 'next_attempt_at', 'sent_at']);
  if (status !== 'all') q = q.where('status', '=', status);
  return q.orderBy('id', 'desc').offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1).execute();
}

export function outboxRoutes(deps: GatewayDeps): Router {
  const router = Router();
  const { db } = deps.store;

  router.get('/outbox', async (req, res) => {
    const status = queryChoice(req, 'status', ['all', ...STATUSES] as const, 'all');
    const page = pageNumber(req);
    const [rows, counts] = await Promise.all([outboxPage(db, status, page), countOutbox(db)]);
    const href = (p: number) => `${ADMIN_BASE}/outbox?status=${status}${p > 1 ? `&page=${p}` : ''}`;
    render(deps, req, res, 'outbox', 'outbox', {
      title: 'Email outbox',
      counts: STATUSES.map((s) => ({ status: s, n: counts[s] })),
      filters: ['all', ...STATUSES].map((s) => ({ value: s, selected: s === status })),
      rows: rows.slice(0, PAGE_SIZE).map((r) => ({ ...r, failed: r.status === 'failed', retryAction: `${ADMIN_BASE}/outbox/${r.id}/retry` })),
      pager: { page, prevHref: page > 1 ? href(page - 1) : undefined, nextHref: rows.length > PAGE_SIZE ? href(page + 1) : undefined },
    });
  });

  router.post('/outbox/:id/retry', async (req, res) => {
    const id = positiveInt(req.params.id, 'id');
    await db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('email_outbox').select(['idempotency_key', 'status', 'template', 'attempts']).where('id', '=', id).executeTakeFirst();
      if (!row) throw new AppError('not_found', `There is no email ${id} in the outbox.`);
      if (row.status !== 'failed') throw new AppError('conflict', `Email ${id} is ${row.status}, not failed: only a failed email can be retried here.`);
      await requeueEmail(trx, row.idempotency_key, deps.now());
      await auditAdmin(deps, req, 'admin.email_retried', { emailId: id, template: row.template, attempts: row.attempts }, null, trx);
    });
    res.redirect(303, `${ADMIN_BASE}/outbox?status=queued&done=retried`);
  });

  return router;
}
