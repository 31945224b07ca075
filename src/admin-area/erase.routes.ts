/**
 * `POST /partners/:id/erase`: the partner detail page's "Erase partner" button. The form asks the
 * administrator to type the partner id again (a slip of the mouse erases nothing); the erasure itself is
 * src/data-rights' (one transaction, audited with the administrator as actor), the same as `partners erase`.
 */
import { Router } from 'express';
import { invalidField } from '../common/index.js';
import type { GatewayDeps } from '../deps.js';
import { erasePartner } from '../data-rights/index.js';
import { ADMIN_BASE, formField, positiveInt } from './http.js';

export function eraseRoutes(deps: GatewayDeps): Router {
  const router = Router();
  router.post('/partners/:id/erase', async (req, res) => {
    const id = positiveInt(req.params.id, 'id');
    if (formField(req, 'confirm_id') !== String(id)) throw invalidField('confirm_id', `type the partner id (${id}) to confirm the erasure`);
    await erasePartner(deps.store.db, { partnerId: id, now: deps.now(), actorAccountId: req.ctx.session?.account_id ?? null, ip: req.ip ?? null, requestId: req.ctx.id });
    res.redirect(303, `${ADMIN_BASE}/partners/${id}?done=erased`);
  });
  return router;
}
