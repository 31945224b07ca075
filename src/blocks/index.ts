/** Declarative rollups and blocks: leaderboards, launch contests, launch pages, tiers and groups. */
import { Router } from 'express';
import type { GatewayDeps } from '../deps.js';

/** Routes of block-composed pages under `/partner-center` (behind requirePartner). */
export function createBlocksRouter(_deps: GatewayDeps): Router {
  return Router();
}
