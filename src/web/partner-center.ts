/** Routes of the partner center pages under `/partner-center` (behind requirePartner). */
import { Router } from 'express';
import type { GatewayDeps } from '../deps.js';

export function createPartnerCenterRouter(_deps: GatewayDeps): Router {
  return Router();
}
