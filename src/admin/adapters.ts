/**
 * The CLI's doors into other capabilities (Ontraport sync, demo data, blocks, reports). Each is one small function
 * here, so that a capability's API change touches one place. A capability not built yet answers with a clear
 * "not available" error instead of failing at import time.
 */
import { CliError } from './cli/exit-codes.js';
import type { CliRuntime } from './cli/runtime.js';

function unavailable(what: string): never {
  throw new CliError(`${what} is not available in this build yet`);
}

/** Members (partner ids) of a named group, from the blocks configuration. */
export function groupMembersAdapter(_rt: CliRuntime): ((name: string) => Promise<number[]>) | undefined {
  return undefined;
}

export interface SyncSummary {
  objects: Record<string, { fetched?: number; upserted?: number; deleted?: number; [k: string]: unknown }>;
  [k: string]: unknown;
}

/** Runs the Ontraport sync (full or incremental) into the store. */
export async function runSyncAdapter(_rt: CliRuntime, _opts: { full?: boolean; objects?: string[]; onProgress?: (p: { object: string; done: number; total?: number }) => void }): Promise<SyncSummary> {
  return unavailable('the Ontraport sync');
}
