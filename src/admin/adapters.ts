/**
 * The CLI's doors into other capabilities (Ontraport sync, demo data, blocks, reports). Each is one small function
 * here, so that a capability's API change touches one place. A capability not built yet answers with a clear
 * "not available" error instead of failing at import time.
 */
import { createOntraportClient, runSync } from '../ontraport/index.js';
import { CliError } from './cli/exit-codes.js';
import type { CliRuntime } from './cli/runtime.js';

export function unavailable(what: string): never {
  throw new CliError(`${what} is not available in this build yet`);
}

/** Members (partner ids) of a named group, from the blocks configuration. */
export function groupMembersAdapter(_rt: CliRuntime): ((name: string) => Promise<number[]>) | undefined {
  return undefined;
}

/** A full import from Ontraport for the migrations (undefined when Ontraport is not configured). */
export function importPartnersFor(rt: CliRuntime): ((onProgress?: (done: number, total: number, object: string) => void) => Promise<ImportSummary>) | undefined {
  if (!rt.config.ontraportEnabled) return undefined;
  return async (onProgress) => {
    const store = await rt.store();
    const client = createOntraportClient(rt.config, { logger: rt.logger });
    const summary = await runSync({ store, client, logger: rt.logger }, { full: true, defaultCurrency: rt.config.defaultCurrency, onProgress: (p) => onProgress?.(p.fetched, p.total, p.object) });
    return {
      ok: summary.ok,
      objects: summary.objects.map((o) => ({ object: o.object, status: o.status, fetched: o.fetched, upserted: o.upserted, deleted: o.deleted, skipped: o.skipped, error: o.error?.message })),
    };
  };
}

export interface ImportSummary {
  ok: boolean;
  objects: Array<{ object: string; status: string; fetched: number; upserted: number; deleted: number; skipped: number; error?: string }>;
}
