/**
 * The CLI's doors into other capabilities (Ontraport sync, blocks): each is one small function here, so that a
 * capability's API change touches one place. Each loads its capability when called: the commands that import
 * this file (`migrate`, `credentials`) mostly need neither, and a command loads only what it runs.
 */
import { loadModule, type Logger } from '../common/index.js';
import type { Config } from '../config/index.js';
import type { BlocksConfig, ServiceDeps } from '../blocks/index.js';
import type { Store } from '../store/index.js';

const blocks = () => loadModule<typeof import('../blocks/index.js')>(new URL('../blocks/index.js', import.meta.url));
const ontraport = () => loadModule<typeof import('../ontraport/index.js')>(new URL('../ontraport/index.js', import.meta.url));
import type { CliRuntime } from './cli/runtime.js';


/** The blocks services' dependencies, from the CLI runtime (the same configuration file as the gateway). */
export async function blocksDeps(rt: CliRuntime): Promise<ServiceDeps> {
  return { store: await rt.store(), logger: rt.logger, config: rt.config };
}

export async function blocksConfigOf(rt: CliRuntime): Promise<BlocksConfig> {
  const { loadBlocksConfig } = await blocks();
  return loadBlocksConfig(rt.config.blocksConfig);
}

/** Members (partner ids) of a named group, from the blocks configuration. */
export function groupMembersAdapter(rt: CliRuntime): (name: string) => Promise<number[]> {
  return async (name) => {
    const { groupMembers } = await blocks();
    const ids: number[] = [];
    for await (const m of groupMembers(await blocksDeps(rt), name, { blocks: await blocksConfigOf(rt) })) ids.push(m.partnerId);
    return ids;
  };
}

/** A full import from Ontraport for the migrations (undefined when Ontraport is not configured). */
export function importPartnersFor(rt: CliRuntime, leaseHolder?: string): ImportPartners | undefined {
  if (!rt.config.ontraportEnabled) return undefined;
  return async (onProgress) => ontraportImporter({ store: await rt.store(), config: rt.config, logger: rt.logger, leaseHolder })(onProgress);
}

export type ImportPartners = (onProgress?: (done: number, total: number, object: string) => void) => Promise<ImportSummary>;

/**
 * The migrations' import step: a full Ontraport sync into the store, its summary reduced to what they report.
 * `leaseHolder`: a name that stays the same across runs (e.g. `migration:situation-1`), so that a run resumed
 * after a crash takes back its own sync lease instead of waiting for it to expire.
 */
export function ontraportImporter(deps: { store: Pick<Store, 'db' | 'kind'>; config: Config; logger: Logger; leaseHolder?: string }): ImportPartners {
  return async (onProgress) => {
    const { createOntraportClient, runSync } = await ontraport();
    // The import shares the account's rate limit with running gateways through the store.
    const client = createOntraportClient(deps.config, { logger: deps.logger, store: deps.store });
    const summary = await runSync({ store: deps.store, client, logger: deps.logger }, { full: true, defaultCurrency: deps.config.defaultCurrency, leaseHolder: deps.leaseHolder, onProgress: (p) => onProgress?.(p.fetched, p.total, p.object) });
    return {
      ok: summary.ok,
      objects: summary.objects.map((o) => ({ object: o.object, status: o.status, fetched: o.fetched, upserted: o.upserted, deleted: o.deleted, skipped: o.skipped, skippedRecords: o.skippedRecords, error: o.error?.message })),
    };
  };
}

export interface ImportSummary {
  ok: boolean;
  objects: Array<{ object: string; status: string; fetched: number; upserted: number; deleted: number; skipped: number; skippedRecords?: Array<{ id: number | string; reason: string }>; error?: string }>;
}
