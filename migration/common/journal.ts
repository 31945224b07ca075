/**
 * The migration journal: what an `apply` has done, step by step and item by item, in the store
 * (`migration_journal`). A step that is one unit of work is marked with item `*`; a step over many items
 * (partners, WordPress users) has one row per item, written in the same transaction as the item's rows, so a
 * crash at any point leaves each item either done and journaled or untouched. A re-run skips what is `done` and
 * takes up again what `failed` or was `skipped` (the reason may have gone: an email fixed in Ontraport).
 *
 * Only the steps' own marks are held in memory (a handful); items are looked up a batch at a time
 * (`doneItems`), so a journal of 300,000 items costs a re-run neither the time to read it nor the memory.
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
  /** Status of whole steps (item `*`) by step. */
  private readonly status = new Map<string, repo.JournalStatus>();

  private constructor(
    private readonly db: Kysely<Database>,
    readonly situation: string,
    readonly crash: CrashPlan,
    private readonly now: () => number,
  ) {}

  static async open(db: Kysely<Database>, situation: string, opts: { crash?: CrashPlan; now?: () => number } = {}): Promise<Journal> {
    const journal = new Journal(db, situation, opts.crash ?? new CrashPlan(), opts.now ?? Date.now);
    for (const e of await repo.loadStepEntries(db, situation)) journal.status.set(e.step, e.status);
    return journal;
  }

  /** The status of a whole step (its `*` mark). */
  statusOf(step: string): repo.JournalStatus | undefined {
    return this.status.get(step);
  }

  /** Whether the whole step is marked done. */
  isDone(step: string): boolean {
    return this.statusOf(step) === 'done';
  }

  /** The items among `items` (keys of one step) that are `done`. */
  doneItems(step: string, items: readonly string[]): Promise<Set<string>> {
    return repo.doneItemKeys(this.db, this.situation, step, items);
  }

  /** Records an item (or the whole step with item `*`), inside `db` when it is the item's transaction. */
  async record(step: string, item: string, status: repo.JournalStatus, details?: unknown, db: Db = this.db): Promise<void> {
    await repo.upsertEntry(db, { situation: this.situation, step, item, status, details, at: this.now() });
    // Inside a transaction the write may still roll back: only writes outside one update the in-memory view
    // of the steps' marks (a resumed run reloads it from the store).
    if (db === this.db && item === STEP_ITEM) this.status.set(step, status);
    this.crash.hit(`${step}/${item}`);
  }

  /** Records many items of a step at once (a batch, in its transaction); each item is still a crash point. */
  async recordMany(step: string, entries: ReadonlyArray<{ item: string; status: repo.JournalStatus; details?: unknown }>, db: Db = this.db): Promise<void> {
    await repo.upsertEntries(db, this.situation, step, entries, this.now());
    for (const e of entries) this.crash.hit(`${step}/${e.item}`);
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
    if (item === undefined || item === STEP_ITEM) this.status.delete(step);
  }

  counts(step: string) {
    return repo.countByStatus(this.db, this.situation, step);
  }

  problems(step: string, limit?: number) {
    return repo.problemItems(this.db, this.situation, step, limit);
  }
}
