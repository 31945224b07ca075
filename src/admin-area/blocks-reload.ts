/**
 * The blocks configuration behind a swappable router, so an administrator can validate the file and reload it
 * without a restart. A reload builds the new routes (and makes the configuration the one services use) only
 * when the whole file is valid; otherwise nothing changes and the problems are shown.
 *
 * Several workers or gateways on one store: a reload bumps a generation in the store (`kv`), and every other
 * process notices on its next partner-center request after at most {@link RECHECK_MS} and reloads too.
 */
import type { RequestHandler, Router } from 'express';
import { BlocksConfigError, createBlocksRouter, loadBlocksConfig, type BlocksConfig } from '../blocks/index.js';
import type { GatewayDeps } from '../deps.js';
import { getKv, setKv } from '../store/index.js';

const GENERATION_KEY = 'admin.blocks_generation';
const RECHECK_MS = 10_000;

export interface BlocksSummary {
  origin: string;
  counts: Array<{ section: string; n: number }>;
}

export type BlocksCheck = { ok: true; summary: BlocksSummary; config: BlocksConfig } | { ok: false; problems: string[] };

export interface ReloadableBlocks {
  /** Mounted by the app on `/partner-center` where the blocks router was. */
  handler: RequestHandler;
  /** What is serving now. */
  current(): BlocksSummary;
  /** Reads and validates the file; changes nothing. */
  check(): BlocksCheck;
  /** Validates, then swaps the routes in (this process) and bumps the generation (the others). */
  reload(): Promise<BlocksCheck>;
}

export function summariseBlocks(config: BlocksConfig): BlocksSummary {
  return {
    origin: config.origin,
    counts: [
      { section: 'rollups', n: config.rollups.size },
      { section: 'pages', n: config.pages.size },
      { section: 'leaderboards', n: config.leaderboards.size },
      { section: 'contests', n: config.contests.size },
      { section: 'groups', n: config.groups.size },
      { section: 'tier rules', n: config.tiers.length },
    ],
  };
}

export function createReloadableBlocks(deps: GatewayDeps): ReloadableBlocks {
  let config = deps.blocks.get();
  let router: Router = createBlocksRouter(deps, config);
  let generation: number | undefined;
  let checkedAt = deps.now();

  const check = (): BlocksCheck => {
    try {
      const next = loadBlocksConfig(deps.config.blocksConfig);
      return { ok: true, config: next, summary: summariseBlocks(next) };
    } catch (err) {
      if (err instanceof BlocksConfigError) return { ok: false, problems: err.problems };
      throw err;
    }
  };
  const swapIn = (next: BlocksConfig) => {
    router = createBlocksRouter(deps, next);
    config = next;
    deps.blocks.set(next);
  };

  /** Another process reloaded: follow it (a file that became invalid since keeps what serves now). */
  const follow = async () => {
    const stored = await getKv<number>(deps.store.db, GENERATION_KEY);
    if (stored === undefined || stored === generation) return;
    const first = generation === undefined;
    generation = stored;
    if (first) return;
    const result = check();
    if (result.ok) swapIn(result.config);
    else deps.logger.error({ problems: result.problems }, 'blocks: another process reloaded the configuration, but it is not valid here; keeping the current one');
  };

  return {
    handler: (req, res, next) => {
      if (deps.now() - checkedAt < RECHECK_MS) return router(req, res, next);
      checkedAt = deps.now();
      follow().then(() => router(req, res, next), next);
    },
    current: () => summariseBlocks(config),
    check,
    async reload() {
      const result = check();
      if (!result.ok) return result;
      swapIn(result.config);
      generation = deps.now();
      await setKv(deps.store.db, GENERATION_KEY, generation, generation);
      return result;
    },
  };
}
