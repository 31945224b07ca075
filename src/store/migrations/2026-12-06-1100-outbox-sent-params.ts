/**
 * Emails sent before outbox parameters were sealed still hold theirs in clear (set-password, reset and
 * confirmation links among them). Since then a sent row keeps no parameters at all (`SENT_PARAMS`), so the same
 * is done for the old rows: a dump or backup taken after this upgrade holds no link. Queued and failed rows keep
 * theirs, since they may still be sent; they are dropped when they are.
 */
import type { Kysely } from 'kysely';

export function createOutboxSentParamsMigration() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.updateTable('email_outbox').set({ params_json: '{}' }).where('status', '=', 'sent').where('params_json', '<>', '{}').execute();
    },
    async down(): Promise<void> {
      // The parameters are gone on purpose; nothing to put back.
    },
  };
}
