import type { BlocksConfig } from './model.js';

/**
 * The blocks configuration a gateway serves: built in `createGateway`, swapped by the admin area's reload, read
 * by the services (tiers, groups, rankings) that are called without a configuration of their own.
 */
export interface ActiveBlocks {
  get(): BlocksConfig;
  set(config: BlocksConfig): void;
}

export function createActiveBlocks(initial: BlocksConfig): ActiveBlocks {
  let current = initial;
  return {
    get: () => current,
    set(config) {
      current = config;
    },
  };
}
