/**
 * Mail: every email goes through the outbox. `queueEmail` records it once per idempotency key (in the caller's
 * transaction when given one); `processEmailOutbox` drains due rows over pooled SMTP connections (drain.ts): a
 * row is claimed before sending and marked after, so two workers never send the same row, and a crash between
 * the two is reported as "interrupted" instead of being sent again. `readOutboxStatus` says where the outbox
 * stands (queued / sent / failed, who is draining) for the CLI and the admin area.
 * Templates: `templates/emails/<name>.{subject,text,html}.hbs`.
 *
 * Secrets at rest: an email's parameters (reset, set-password and confirmation links among them) are sealed with
 * the data key (src/common/sealed.ts) when queued, and dropped once the email is sent, so neither a dump of the
 * outbox nor a backup holds a usable link.
 */
import type { Kysely, Transaction } from 'kysely';
import { AppError, seal, type DataKeyring } from '../common/index.js';
import type { Database } from '../store/index.js';
import * as repo from './outbox.repo.js';
import { PARAMS_PURPOSE } from './render.js';

export { createMailTransport, pooledSmtpUrl, poolOptionsOf, type MailTransport, type PoolOptions } from './transport.js';
export { processEmailOutbox, DRAIN_LEASE, type OutboxResult, type DrainDeps, type DrainOptions } from './drain.js';
export { readOutboxStatus, type OutboxStatus } from './status.js';
export { countByStatus as countOutbox, type OutboxCounts } from './outbox.repo.js';
export { emailParams, renderEmail } from './render.js';

export interface QueueEmailInput {
  /** Same key, same email: queued once whoever asks again (e.g. `credentials:account:42`). */
  idempotencyKey: string;
  to: string;
  template: string;
  params: Record<string, unknown>;
}

/** Templates whose parameters hold a one-time link: never queued without a data key. */
const TEMPLATES_WITH_LINKS = new Set(['password-reset', 'new-credentials', 'partner-change-confirm']);

/**
 * The stored form of an email's parameters: sealed with the data key. `keys` is null only for emails that carry
 * no secret (callers without the gateway's configuration); a template with a one-time link is refused then.
 */
function storedParams(keys: DataKeyring | null, input: QueueEmailInput): string {
  const json = JSON.stringify(input.params);
  if (keys) return seal(keys, json, PARAMS_PURPOSE);
  if (TEMPLATES_WITH_LINKS.has(input.template)) throw new AppError('internal', `email ${input.template} carries a one-time link and must be queued with the data key`);
  return json;
}

/** Queues an email; returns false when one with this key was already queued or sent. */
export async function queueEmail(db: Kysely<Database> | Transaction<Database>, keys: DataKeyring | null, input: QueueEmailInput, now = Date.now()): Promise<boolean> {
  return repo.insertIfAbsent(db, { idempotency_key: input.idempotencyKey, to_address: input.to, template: input.template, params_json: storedParams(keys, input), now });
}

/** Queues many emails in one statement (a migration's batch); returns the keys this call queued. */
export async function queueEmails(db: Kysely<Database> | Transaction<Database>, keys: DataKeyring | null, inputs: readonly QueueEmailInput[], now = Date.now()): Promise<Set<string>> {
  return repo.insertManyIfAbsent(db, inputs.map((i) => ({ idempotency_key: i.idempotencyKey, to_address: i.to, template: i.template, params_json: storedParams(keys, i), now })));
}

export const findEmail = repo.findByKey;
export const findEmails = repo.findByKeys;
export const requeueEmail = repo.requeue;
