/**
 * Keyset paging over a condition split into AND-only branches (conditions.ts explains why OR is never mixed
 * with AND on the wire): one paged request per branch, `id > cursor` sorted by id, merged and de-duplicated by
 * id. A batch holds the records up to the lowest id any unfinished branch has reached, so every branch has
 * delivered everything below the new cursor: the cursor is safe to commit and resume from. Records a branch
 * fetched beyond that point wait in its buffer for the next batch; none is fetched twice by one branch.
 * A branch is finished when it returns a short page or as many records as its `objects/getInfo` count.
 */
import { MAX_PAGE_SIZE, type OntraportClient } from '../client.js';
import { and, gt, type Condition } from '../conditions.js';
import type { BaseRecord } from '../types.js';

interface BranchState {
  condition: Condition | undefined;
  remaining: number;
  buffer: BaseRecord[];
  last: number;
  done: boolean;
}

export interface MergedBatch {
  records: BaseRecord[];
  /** Every record of every branch with an id up to here has been delivered. */
  cursor: number;
}

export interface BranchCounts {
  /** Sum of the branches' counts: an upper bound of the distinct records (a record may match several). */
  total: number;
  /** Each branch's count, in the order given. */
  perBranch: number[];
  /** The server's clock at the first count (its `Date` header), epoch ms. */
  serverTimeMs: number;
}

const withCursor = (condition: Condition | undefined, after: number) => (after > 0 ? (condition ? and(condition, gt('id', after)) : gt('id', after)) : condition);

export class BranchPager {
  private readonly states: BranchState[];

  private constructor(
    private readonly client: OntraportClient,
    private readonly objectType: number,
    states: BranchState[],
    private cursor: number,
  ) {
    this.states = states;
  }

  /** Counts each branch after `cursor` (one `objects/getInfo` each) and returns a pager ready to read. */
  static async open(client: OntraportClient, objectType: number, branches: ReadonlyArray<Condition | undefined>, cursor: number): Promise<{ pager: BranchPager; counts: BranchCounts }> {
    const states: BranchState[] = [];
    let serverTimeMs: number | undefined;
    let total = 0;
    for (const condition of branches) {
      const info = await client.getInfo(objectType, { condition: withCursor(condition, cursor) });
      serverTimeMs ??= info.serverTimeMs;
      total += info.count;
      states.push({ condition, remaining: info.count, buffer: [], last: cursor, done: info.count === 0 });
    }
    return { pager: new BranchPager(client, objectType, states, cursor), counts: { total, perBranch: states.map((s) => s.remaining), serverTimeMs: serverTimeMs ?? Date.now() } };
  }

  /** The next batch, or undefined when every branch is finished. */
  async next(): Promise<MergedBatch | undefined> {
    for (const s of this.states) if (!s.done && s.buffer.length === 0) await this.fill(s);
    const open = this.states.filter((s) => !s.done);
    const frontier = open.length ? Math.min(...open.map((s) => s.last)) : Infinity;
    const byId = new Map<number, BaseRecord>();
    for (const s of this.states) {
      let take = 0;
      while (take < s.buffer.length && Number(s.buffer[take]!.id) <= frontier) take++;
      for (const r of s.buffer.splice(0, take)) if (!byId.has(Number(r.id))) byId.set(Number(r.id), r);
    }
    if (!byId.size) return undefined;
    const records = [...byId.values()].sort((a, b) => Number(a.id) - Number(b.id));
    this.cursor = frontier === Infinity ? Math.max(this.cursor, Number(records[records.length - 1]!.id)) : frontier;
    return { records, cursor: this.cursor };
  }

  private async fill(s: BranchState): Promise<void> {
    const page = (await this.client.listObjects(this.objectType, { condition: withCursor(s.condition, s.last), sort: 'id', sortDir: 'asc', range: MAX_PAGE_SIZE }))
      .filter((r) => Number.isSafeInteger(Number(r.id)) && Number(r.id) > s.last)
      .sort((a, b) => Number(a.id) - Number(b.id));
    s.remaining -= page.length;
    if (page.length) {
      s.buffer = page;
      s.last = Number(page[page.length - 1]!.id);
    }
    if (page.length < MAX_PAGE_SIZE || s.remaining <= 0) s.done = true;
  }
}
