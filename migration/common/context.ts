/**
 * What a migration runs with and what it reports. The three situations share their steps (migration/common/steps)
 * and differ only in which steps they run and in what order.
 */
import type { CredentialRow } from '../../src/accounts/index.js';
import type { Logger } from '../../src/common/index.js';
import type { Config } from '../../src/config/index.js';
import type { MailTransport } from '../../src/mail/index.js';
import type { Store } from '../../src/store/index.js';
import type { Views } from '../../src/common/index.js';
import type { Journal } from './journal.js';
import type { LegacyWordPress, ShimSwitches } from './wordpress.js';

export type SituationName = 'situation-1' | 'situation-2' | 'situation-3';

/** What the import step reports (the Ontraport sync's summary, reduced). */
export interface ImportSummary {
  ok: boolean;
  objects: Array<{ object: string; status: string; fetched: number; upserted: number; deleted: number; skipped: number; skippedRecords?: Array<{ id: number | string; reason: string }>; error?: string }>;
}

export interface MigrationDeps {
  store: Pick<Store, 'db' | 'kind' | 'pgPool'>;
  config: Config;
  views: Views;
  mail: MailTransport;
  logger: Logger;
  now?: () => number;
  /** True when emails really leave (SMTP configured or a transport injected). */
  canSend: boolean;
  /** Full import of partners from Ontraport (the sync); injected so tests and benches can use an emulator. */
  importPartners?: (onProgress?: (done: number, total: number, object: string) => void) => Promise<ImportSummary>;
  /** The legacy WordPress site (situations 2 and 3), through wp-shim's REST routes. */
  wordpress?: LegacyWordPress;
  /** HTTP GET used by the host check (situation 3); injected in tests. */
  httpGet?: HttpGet;
}

export type HttpGet = (url: string, headers?: Record<string, string>) => Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>;

export interface MigrationOptions {
  /** A partner list (situation 1): only these partners get credentials. */
  csv?: { text: string; label: string };
  /** Situation 3: the partner center's own host, e.g. partners.example.com. */
  partnerCenterHost?: string;
  /** Situation 3: where to reach that host for the check (default `https://<host>/healthz`). */
  checkUrl?: string;
  /**
   * Drain the outbox in this process once the state is committed (default: when a transport can send). The CLI
   * passes false unless `--send`: the gateway's background jobs or `partnergate mail drain` send them.
   */
  send?: boolean;
  /** Tests: throw a simulated crash at the Nth checkpoint (journal write or declared crash point). */
  crashAfterWrites?: number;
  /**
   * Tests: once the first credentials batch has committed, write `<file>.held` and wait until `<file>` exists
   * (a run held mid-way on purpose, to be killed or raced by a second apply).
   */
  holdFile?: string;
  /** Partners per transaction in the credentials step (default 200). */
  batchSize?: number;
  onProgress?: (label: string, done: number, total: number) => void;
}

export interface ApplyContext {
  deps: MigrationDeps;
  opts: MigrationOptions;
  situation: SituationName;
  journal: Journal;
  now: () => number;
  /** Problems found on the way, by row, for the report. */
  rows: CredentialRow[];
  steps: StepReport[];
  /** When the previous step ended (performance.now()), for each step's duration. */
  stepClock: { last: number };
}

export interface StepReport {
  step: string;
  /** `done`: did it now; `earlier`: the journal says an earlier run did it; `failed`: stopped here. */
  status: 'done' | 'earlier' | 'failed' | 'skipped';
  summary: string;
  counts?: Record<string, number>;
  /** How long the step took, in ms. */
  ms?: number;
}

export interface PlanStep {
  step: string;
  /** What will happen, in words, with counts where they are known. */
  summary: string;
  counts?: Record<string, number>;
  done?: boolean;
}

export interface PlanReport {
  situation: SituationName;
  steps: PlanStep[];
  /** Things that stop `apply` from running (configuration, WordPress unreachable...). */
  blockers: string[];
  warnings: string[];
  rows: CredentialRow[];
}

export interface ApplyReport {
  situation: SituationName;
  ok: boolean;
  steps: StepReport[];
  /** Rows that failed or were skipped (bad emails, refused messages, unmatched WordPress users...). */
  rows: CredentialRow[];
  checkpoints: number;
}

export interface PartnerCheck {
  partnerId: number;
  email: string | null;
  problems: string[];
}

export interface VerifyReport {
  situation: SituationName;
  ok: boolean;
  counts: Record<string, number>;
  /** Checks that are not per partner (WordPress switched, host answers...): name -> problem or null. */
  checks: Array<{ check: string; ok: boolean; detail: string }>;
  /** Partners with at least one problem. */
  partners: PartnerCheck[];
}

export interface RollbackReport {
  situation: SituationName;
  restored: ShimSwitches | null;
  summary: string;
}

export function nowOf(deps: MigrationDeps): () => number {
  return deps.now ?? Date.now;
}
