/**
 * `/blocks`: the blocks configuration now serving (file, item counts); `POST /blocks/validate` reads the file
 * and lists every problem without changing anything; `POST /blocks/reload` validates and, only when valid,
 * serves the new configuration without a restart. Both are audited.
 */
import { Router, type Request, type Response } from 'express';
import type { GatewayDeps } from '../deps.js';
import type { BlocksCheck, ReloadableBlocks } from './blocks-reload.js';
import { ADMIN_BASE, auditAdmin, render } from './http.js';

export function blocksRoutes(deps: GatewayDeps, blocks: ReloadableBlocks): Router {
  const router = Router();

  const show = (req: Request, res: Response, result?: BlocksCheck & { action: string }, status = 200) =>
    render(deps, req, res, 'blocks', 'blocks', {
      title: 'Blocks configuration',
      current: blocks.current(),
      file: deps.config.blocksConfig,
      validateAction: `${ADMIN_BASE}/blocks/validate`,
      reloadAction: `${ADMIN_BASE}/blocks/reload`,
      result: result && (result.ok ? { ok: true, action: result.action, summary: result.summary } : { ok: false, action: result.action, problems: result.problems }),
    }, status);

  router.get('/blocks', (req, res) => show(req, res));

  router.post('/blocks/validate', async (req, res) => {
    const result = blocks.check();
    await auditAdmin(deps, req, 'admin.blocks_validated', { ok: result.ok, problems: result.ok ? 0 : result.problems.length });
    show(req, res, { ...result, action: 'validate' }, result.ok ? 200 : 422);
  });

  router.post('/blocks/reload', async (req, res) => {
    const result = await blocks.reload();
    await auditAdmin(deps, req, 'admin.blocks_reloaded', { ok: result.ok, problems: result.ok ? 0 : result.problems.length, origin: result.ok ? result.summary.origin : undefined });
    show(req, res, { ...result, action: 'reload' }, result.ok ? 200 : 422);
  });

  return router;
}
