/**
 * Shared shapes of the credentials service: what it needs, what it reports per partner, and the hook a migration
 * uses to journal each partner in the same transaction as the partner's rows.
 */
import { AppError } from '../../common/index.js';
import type { Kysely, Transaction } from 'kysely';
import type { DataKeyring, Logger } from '../../common/index.js';
import type { MailTransport } from '../../mail/index.js';
import type { Database } from '../../store/index.js';
import type { Views } from '../../common/index.js';

export interface CredentialsDeps {
  db: Kysely<Database>;
  config: { publicUrl: string; partnerCenterHost?: string; credentialTtlHours: number; brandName: string; dataKeys: DataKeyring; mailDrainBatch?: number };
  views: Views;
  mail: MailTransport;
  logger: Logger;
  now?: () => number;
}

export type CredentialOutcome =
  /** An email with a fresh set-password link is in the outbox (sent by the send step). */
  | 'queued'
  /** The earlier email was refused by the SMTP server: a fresh link was queued under the next version. */
  | 'requeued'
  | 'already_sent'
  /** Already in the outbox, not sent yet (or retrying after a temporary SMTP error). */
  | 'pending'
  | 'revoked'
  | 'skipped'
  | 'failed';

/** The result for one partner (or one input row that named no partner). */
export interface CredentialRow {
  partnerId: number | null;
  /** Where the row came from when it was not a partner id (a CSV line, a WordPress user). */
  source?: string;
  email: string | null;
  accountId?: number;
  accountCreated?: boolean;
  outcome: CredentialOutcome;
  /** Why it failed or was skipped, in words an admin can act on. */
  reason?: string;
}

/** Journal hook for migrations: items already done are skipped; new outcomes are written inside the batch transaction. */
export interface ItemJournal {
  /** Which of these items an earlier run did (asked a batch at a time: a journal is not held in memory). */
  doneAmong(itemKeys: readonly string[]): Promise<Set<string>>;
  /** Writes the outcomes of a batch (one statement), inside the batch's transaction. */
  recordAll(trx: Transaction<Database>, entries: ReadonlyArray<{ itemKey: string; row: CredentialRow }>): Promise<void>;
  /** Called after each batch commits (a crash-injection point in tests). */
  afterCommit?(): Promise<void> | void;
}

/** The wording of the email: a first partner center, or the old WordPress one replaced by a new one. */
export interface EmailVariant {
  /** The legacy partner center's URL, when partners are moving from one (situations 2 and 3). */
  legacyUrl?: string;
}

export function tally(rows: readonly CredentialRow[]): Record<CredentialOutcome, number> {
  const counts: Record<CredentialOutcome, number> = { queued: 0, requeued: 0, already_sent: 0, pending: 0, revoked: 0, skipped: 0, failed: 0 };
  for (const r of rows) counts[r.outcome]++;
  return counts;
}

/** The outbox key of an account's credentials email of a given version: one email per key, ever. */
export function credentialsEmailKey(accountId: number, version: number): string {
  return `credentials:account:${accountId}:v${version}`;
}

export function accountIdOfKey(key: string): number | undefined {
  const m = /^credentials:account:(\d+):v\d+$/.exec(key);
  return m ? Number(m[1]) : undefined;
}

export const CREDENTIALS_TEMPLATE = 'new-credentials';

/** Thrown to stop a run at once (a simulated crash, or an interrupt): never caught and reported as a row failure. */
export class RunAborted extends AppError {
  constructor(message: string) {
    super('run.aborted', message);
  }
}
