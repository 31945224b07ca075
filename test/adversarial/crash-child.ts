/**
 * A child process for the crash tests (faults-crash.test.ts): runs one migration apply or one Ontraport sync
 * against a store the parent also opens, so that the parent can SIGKILL it at a chosen moment.
 *
 * Job (JSON in ADVERSARIAL_CRASH_JOB):
 * - `{ kind: 'migration', store, emulator, smtpUrl, freezeAt }`: situation-1 apply; at checkpoint number
 *   `freezeAt` (the migration's own crash points: journal writes, batch commits, send start/end) the process
 *   prints `ADVERSARIAL-FROZEN <n> <label>` on stderr and freezes (the event loop blocked, a transaction possibly
 *   open), waiting for the parent's SIGKILL. Without `freezeAt` it runs to the end and prints `ADVERSARIAL-DONE`.
 * - `{ kind: 'sync', store, emulator, leaseTtlMs }`: a full sync (lease holder "crash-child"); the parent kills
 *   it from the emulator's request hook.
 */
import { writeSync } from 'node:fs';
import { createLogger } from '../../src/common/logger.js';
import { OntraportClient } from '../../src/ontraport/client.js';
import { runSync } from '../../src/ontraport/index.js';
import { openStore, type StoreConfig } from '../../src/store/index.js';
import { CrashPlan, situations } from '../../migration/index.js';
import { migrationConfig, migrationDeps } from '../migration/support/harness.js';
import type { OntraportEmulator } from '../support/ontraport-emulator.js';
import type { SmtpSink } from '../support/smtp-sink.js';

interface Job {
  kind: 'migration' | 'sync';
  store: StoreConfig;
  emulator: { baseUrl: string; appId: string; apiKey: string };
  smtpUrl?: string;
  freezeAt?: number;
  leaseTtlMs?: number;
}

const job = JSON.parse(process.env.ADVERSARIAL_CRASH_JOB ?? '{}') as Job;
const say = (line: string) => writeSync(2, `${line}\n`);

async function main(): Promise<void> {
  const store = await openStore(job.store);
  if (job.kind === 'migration') {
    let hits = 0;
    const original = CrashPlan.prototype.hit;
    CrashPlan.prototype.hit = function (this: CrashPlan, label: string) {
      if (++hits === job.freezeAt) {
        say(`ADVERSARIAL-FROZEN ${hits} ${label}`);
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 120_000);
      }
      return original.call(this, label);
    };
    const config = migrationConfig(job.emulator as OntraportEmulator, { url: job.smtpUrl } as SmtpSink);
    const deps = migrationDeps(store, config);
    try {
      await situations['situation-1'].apply(deps, { batchSize: 2 });
    } finally {
      deps.close();
    }
  } else {
    const client = OntraportClient.create({ ...job.emulator, ratePerWindow: 100_000, rateWindowMs: 1000, timeoutMs: 5000, retryBaseMs: 5, retryMaxDelayMs: 50 });
    say('ADVERSARIAL-SYNCING');
    await runSync({ store, client, logger: createLogger('silent') }, { full: true, leaseHolder: 'crash-child', leaseTtlMs: job.leaseTtlMs ?? 2000 });
  }
  await store.close();
  say('ADVERSARIAL-DONE');
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    say(`ADVERSARIAL-FAILED ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
