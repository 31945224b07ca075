/**
 * Declarative rollups and blocks: leaderboards, launch contests, launch pages, tiers and groups.
 *
 * - `loadBlocksConfig(path?)`: reads and validates the configuration (YAML/JSON on top of the shipped presets);
 *   throws `BlocksConfigError` whose message names the file, the item and the field of each problem.
 * - `createBlocksRouter(deps, config?)`: pages under `/partner-center`: `/leaderboard`, `/leaderboard/:slug`,
 *   `/contests/:slug`, `/p/:slug`. Serves `deps.blocks` (the gateway's configuration) when no config is given.
 * - `createActiveBlocks(config)`: the gateway's swappable configuration (`GatewayDeps.blocks`).
 * - `afterSync(deps, { partnerIds? })`: tier rules, then ranking snapshots; call it after every Ontraport sync.
 * - `evaluateTiers(deps, { dryRun?, partnerIds? })`, `nextTierRequirement(db, partnerId)`: tier automation.
 * - `listGroups(config?)`, `groupMembers(deps, name)` (async iterable): saved partner filters for the admin CLI.
 * - `refreshRankings(deps)`: rebuild every leaderboard snapshot on demand.
 * `deps` is anything with `store.db` (and optionally `now`, `logger`, `config.defaultTimeZone`): GatewayDeps fits.
 */
import type { Router } from 'express';
import type { GatewayDeps } from '../deps.js';
import type { BlocksConfig } from './model.js';
import { refreshRankings as refreshRankingSnapshots, type RefreshResult } from './rankings.js';
import { bumpDataVersion } from './rollups.repo.js';
import { createRoutes } from './routes.js';
import { blocksDepsOf, configOf, type ServiceDeps } from './service-deps.js';
import { evaluateTiers, type TierRunResult } from './tiers.js';

export { BlocksConfigError, loadBlocksConfig, parseBlocksConfig, shippedBlocksConfig } from './config.js';
export { createActiveBlocks, type ActiveBlocks } from './active.js';
export { evaluateTiers, nextTierRequirement, type NextTierRequirement, type TierChange, type TierRunResult, type LevelRef } from './tiers.js';
export { listGroups, groupMembers, type GroupMember, type GroupSummary } from './groups.js';
export { rankingView, type RankingView, type RankingRowView, type RefreshResult } from './rankings.js';
export type { BlocksConfig, BoundRollup, BoardDef, ContestDef, PageDef, GroupDef, TierRule } from './model.js';
export type { ServiceDeps } from './service-deps.js';

/** Routes of block-composed pages under `/partner-center` (behind requirePartner). */
export function createBlocksRouter(deps: GatewayDeps, config: BlocksConfig = deps.blocks.get()): Router {
  return createRoutes(deps, config, blocksDepsOf(deps));
}

/**
 * Rebuilds the snapshots of every configured ranking (leaderboards, contests, ranking blocks).
 * @param opts.partnerIds only these partners' rows (every partner whose data changed); default: all
 */
export async function refreshRankings(deps: ServiceDeps, opts: { partnerIds?: readonly number[]; blocks?: BlocksConfig } = {}): Promise<RefreshResult[]> {
  return refreshRankingSnapshots(blocksDepsOf(deps), configOf(opts.blocks, deps).rankings.values(), opts);
}

/**
 * What runs after each Ontraport sync: the tier rules (they may move partners), then the ranking snapshots.
 * @param opts.partnerIds the partners whose commissions, contacts, orders or program the sync changed; omit
 *   after a full sync (a full sync may have deleted rows: every snapshot is rebuilt)
 */
export async function afterSync(deps: ServiceDeps, opts: { partnerIds?: readonly number[]; blocks?: BlocksConfig } = {}): Promise<{ tiers: TierRunResult; rankings: RefreshResult[] }> {
  const tiers = await evaluateTiers(deps, { partnerIds: opts.partnerIds, blocks: opts.blocks });
  const bdeps = blocksDepsOf(deps);
  let partnerIds = opts.partnerIds;
  if (partnerIds) partnerIds = [...new Set([...partnerIds, ...tiers.changes.map((c) => c.partnerId)])];
  else await bumpDataVersion(bdeps.db, bdeps.now());
  const rankings = await refreshRankings(deps, { partnerIds, blocks: opts.blocks });
  return { tiers, rankings };
}
