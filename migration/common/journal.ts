/**
 * The migration journal: what an `apply` has done, step by step and item by item, in the store
 * (`migration_journal`). A step that is one unit of work is marked with item `*`; a step over many items
 * (partners, WordPress users) has one row per item, written in the same transaction as the item's rows, so a
 * crash at any point leaves each item either done and journaled or untouched. A re-run skips what is `done` and
 * takes up again what `failed` or was `skipped` (the reason may have gone: an email fixed in Ontraport).
 *
 * Crash injection (tests, and `--crash-after-writes N` on the CLI): every journal write and every extra
 * checkpoint a step declares counts; the Nth one throws {@link SimulatedCrash}, from inside the transaction
 * when there is one (so that transaction rolls back, as a real crash before commit would).
 */
import type { Kysely } from 'kysely';
import { RunAborted } from '../../src/accounts/index.js';
import type { Database } from '../../src/store/index.js';
import * as repo from './journal.repo.js';
import type { Db } from '../../src/store/index.js';

export class SimulatedCrash extends RunAborted {
  constructor(readonly at: number, readonly label: string) {
    super(`simulated crash at checkpoint ${at} (${label})`);
    this.name = 'SimulatedCrash';
  }
}

/** Counts checkpoints and throws at the chosen one. */
export class CrashPlan {
  private count = 0;
  constructor(private readonly crashAt?: number) {}
  get checkpoints(): number {
    return this.count;
  }
  hit(label: string): void {
    this.count++;
    if (this.crashAt !== undefined && this.count === this.crashAt) throw new SimulatedCrash(this.count, label);
  }
}

export const STEP_ITEM = '*';

export class Journal {
  private readonly status = new Map<string, repo.JournalStatus>();

  private constructor(
    private readonly db: Kysely<Database>,
    readonly situation: string,
    readonly crash: CrashPlan,
    private readonly now: () => number,
  ) {}

  static async open(db: Kysely<Database>, situation: string, opts: { crash?: CrashPlan; now?: () => number } = {}): Promise<Journal> {
    const journal = new Journal(db, situation, opts.crash ?? new CrashPlan(), opts.now ?? Date.now);
    for (const e of await repo.loadEntries(db, situation)) journal.status.set(`${e.step}\u0000${e.item_key}`, e.status);
    return journal;
  }

  statusOf(step: string, item = STEP_ITEM): repo.JournalStatus | undefined {
    return this.status.get(`${step}\u0000${item}`);
  }

  isDone(step: string, item = STEP_ITEM): boolean {
    return this.statusOf(step, item) === 'done';
  }

  /** Records an item (or the whole step with item `*`), inside `db` when it is the item's transaction. */
  async record(step: string, item: string, status: repo.JournalStatus, details?: unknown, db: Db = this.db): Promise<void> {
    await repo.upsertEntry(db, { situation: this.situation, step, item, status, details, at: this.now() });
    // Inside an item's transaction the write may still roll back: only writes outside one update the in-memory
    // view (item steps read it once, before they start; a resumed run reloads it from the store).
    if (db === this.db) this.status.set(`${step}\u0000${item}`, status);
    this.crash.hit(`${step}/${item}`);
  }

  /** Records many items of a step at once (a batch, in its transaction); each item is still a crash point. */
  async recordMany(step: string, entries: ReadonlyArray<{ item: string; status: repo.JournalStatus; details?: unknown }>, db: Db = this.db): Promise<void> {
    await repo.upsertEntries(db, this.situation, step, entries, this.now());
    for (const e of entries) {
      if (db === this.db) this.status.set(`${step}\u0000${e.item}`, e.status);
      this.crash.hit(`${step}/${e.item}`);
    }
  }

  /** A crash point that is not a journal write (e.g. after a batch commits, or after an HTTP call). */
  checkpoint(label: string): void {
    this.crash.hit(label);
  }

  details<T>(step: string, item = STEP_ITEM): Promise<{ status: repo.JournalStatus; details: T; at: number } | undefined> {
    return repo.readDetails(this.db, this.situation, step, item) as Promise<{ status: repo.JournalStatus; details: T; at: number } | undefined>;
  }

  async forget(step: string, item?: string): Promise<void> {
    await repo.deleteEntries(this.db, this.situation, step, item);
    for (const key of [...this.status.keys()]) {
      if (key.startsWith(`${step}\u0000`) && (item === undefined || key === `${step}\u0000${item}`)) this.status.delete(key);
    }
  }

  counts(step: string) {
    return repo.countByStatus(this.db, this.situation, step);
  }

  problems(step: string, limit?: number) {
    return repo.problemItems(this.db, this.situation, step, limit);
  }
}
