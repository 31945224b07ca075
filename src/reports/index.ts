/** Streaming CSV and JSON exports of the partner's commissions, refunds, payments, contacts and reports. */
import { Router } from 'express';
import type { GatewayDeps } from '../deps.js';

/** Routes under `/partner-center/exports` and `/partner-center/api/reports` (behind requirePartner). */
export function createReportsRouter(_deps: GatewayDeps): Router {
  return Router();
}
