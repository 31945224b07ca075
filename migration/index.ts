/**
 * Migrations from PilotPress / Ontraport's partner center to Partnergate: the three situations Ontraport
 * describes, each with plan, apply (idempotent, resumable from `migration_journal`), verify and, where
 * WordPress is changed, rollback. The runbook is docs/migrations.md; the CLI is `partnergate migrate`.
 */
import type { SituationName } from './common/context.js';
import type { Situation } from './common/situation.js';
import { situation1 } from './situation-1/index.js';
import { situation2 } from './situation-2/index.js';
import { situation3 } from './situation-3/index.js';

export const situations: Record<SituationName, Situation> = {
  'situation-1': situation1,
  'situation-2': situation2,
  'situation-3': situation3,
};

export type { Situation } from './common/situation.js';
export type * from './common/context.js';
export { createLegacyWordPress, type LegacyWordPress, type WordPressTarget, type LegacyExport, type ShimSwitches, type ShimStatus } from './common/wordpress.js';
export { SimulatedCrash, CrashPlan } from './common/journal.js';
export { checkPartnerCenterHost, defaultHttpGet } from './common/host-check.js';
export { migrationStatus, type MigrationStatus, type SituationStatus } from './common/status.js';
export { ApplyLocked, acquireApplyLock, withApplyLock } from './common/apply-lock.js';
