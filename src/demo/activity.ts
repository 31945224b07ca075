/**
 * One partner's history: sales over its active years, their statuses by age (pending under 30 days, then
 * approved, paid on the next monthly payout; some declined or refunded), clawbacks of paid sales refunded later,
 * the referred contacts (new or returning buyers, plus leads who never bought), the clicks before each sale, and
 * subscriptions. A partner's rows are planned in typed arrays, then written in time order, so memory is bounded
 * by the busiest partner, never by the whole load.
 */
import type { BulkSink, Cell, TableWriter } from './bulk-sink.js';
import { DEMO_CURRENCY, demoPromoTools, demoSubIds, firstNames, hostileContactName, hostileSubIds, lastNames, mailDomains } from './catalog.js';
import { deriveSeed, mulberry32, type Rng } from './random.js';
import { DAY, HOUR, PAYOUT_HOUR_MS, SECOND, firstSlugs, lastSlugs, type World } from './world.js';
import { COMMISSION_STATUSES } from '../store/index.js';

const PENDING = 0, APPROVED = 1, PAID = 2, DECLINED = 3, REFUNDED = 4;
const SALE = 0, CLAWBACK = 1;
const KIND = ['sale', 'clawback'] as const;
const SUB_IDS: readonly string[] = [...demoSubIds, ...hostileSubIds];
const HOSTILE_FROM = demoSubIds.length;
const PROMO_COUNT = demoPromoTools.length;
const NO_TIME = -1;

/** The per-partner columns and their array types: one list for the type, the first arrays and each growth. */
const PLAN_COLUMNS = {
  t: Float64Array,
  processed: Float64Array,
  payMonth: Int32Array,
  amount: Int32Array,
  contact: Int32Array,
  buyers: Int32Array,
  product: Uint8Array,
  status: Uint8Array,
  kind: Uint8Array,
  clawed: Uint8Array,
  promo: Int8Array,
  sub: Int8Array,
} as const;
type PlanColumns = { [K in keyof typeof PLAN_COLUMNS]: InstanceType<(typeof PLAN_COLUMNS)[K]> };

function planColumns(size: number): PlanColumns {
  return Object.fromEntries(Object.entries(PLAN_COLUMNS).map(([name, Arr]) => [name, new Arr(size)])) as PlanColumns;
}

/** Growable per-partner columns, reused from one partner to the next. */
class Plan {
  size = 0;
  cols = planColumns(0);

  ensure(n: number): void {
    if (n <= this.size) return;
    this.size = Math.max(n, this.size * 2, 1024);
    this.cols = planColumns(this.size);
  }
}

export interface Writers {
  contacts: TableWriter;
  commissions: TableWriter;
  payouts: TableWriter;
  visits: TableWriter;
  open_orders: TableWriter;
}

/** Shared mutable state of one load: the next ids and reusable row arrays (no allocation per row). */
export class ActivityWriter {
  private readonly plan = new Plan();
  private nextContact: number;
  private nextCommission: number;
  private nextPayout: number;
  private nextVisit: number;
  private nextOpenOrder: number;
  private readonly contactRow: Cell[] = new Array(9);
  private readonly commissionRow: Cell[] = new Array(15);
  private readonly payoutRow: Cell[] = new Array(7);
  private readonly visitRow: Cell[] = new Array(6);
  private readonly orderRow: Cell[] = new Array(11);
  private monthSum: Float64Array;
  private monthRows: Int32Array;
  private readonly monthPayout: Int32Array;

  constructor(private readonly world: World, private readonly sink: BulkSink, private readonly out: Writers) {
    this.nextContact = world.ids.contacts + world.partnerCount;
    this.nextCommission = world.ids.commissions;
    this.nextPayout = world.ids.payouts;
    this.nextVisit = world.ids.visits;
    this.nextOpenOrder = world.ids.open_orders;
    this.monthSum = new Float64Array(world.monthStarts.length);
    this.monthRows = new Int32Array(world.monthStarts.length);
    this.monthPayout = new Int32Array(world.monthStarts.length);
  }

  /** Index of the first month starting after `ms`: the payout that would include something approved at `ms`. */
  private monthAfter(ms: number): number {
    const m = this.world.monthStarts;
    let lo = 0;
    let hi = m.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (m[mid]! > ms) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private payTime(month: number): number {
    return this.world.monthStarts[month]! + PAYOUT_HOUR_MS;
  }

  private async maybeCheckpoint(): Promise<void> {
    if (this.sink.wantsCheckpoint()) await this.sink.checkpoint();
  }

  private writeContact(rng: Rng, partnerId: number, addedAt: number, hostile: boolean): number {
    const id = this.nextContact++;
    const f = Math.floor(rng() * firstNames.length);
    const l = Math.floor(rng() * lastNames.length);
    const domain = mailDomains[Math.floor(rng() * mailDomains.length)];
    const r = this.contactRow;
    r[0] = id;
    r[1] = this.world.ids.ontraport + (id - this.world.ids.contacts);
    r[2] = hostile ? hostileContactName : firstNames[f]!;
    r[3] = hostile ? '' : lastNames[l]!;
    r[4] = `${firstSlugs[f]}.${lastSlugs[l]}${id}@${domain}`;
    r[5] = partnerId;
    // About one contact in ten was later referred again by someone else: the last referrer differs.
    r[6] = rng() < 0.1 && this.world.partnerCount > 1 ? this.otherPartner(rng, partnerId) : partnerId;
    r[7] = addedAt;
    r[8] = addedAt;
    this.out.contacts.row(r);
    return id;
  }

  private otherPartner(rng: Rng, partnerId: number): number {
    const other = this.world.ids.partners + Math.floor(rng() * (this.world.partnerCount - 1));
    return other >= partnerId ? other + 1 : other;
  }

  private writeVisit(partnerId: number, promo: number, sub: number, at: number): void {
    const r = this.visitRow;
    r[0] = this.nextVisit++;
    r[1] = partnerId;
    r[2] = promo < 0 ? null : this.world.ids.promo_tools + promo;
    r[3] = sub < 0 ? null : SUB_IDS[sub]!;
    r[4] = promo < 0 ? '/' : this.world.promoLanding[promo]!;
    r[5] = at;
    this.out.visits.row(r);
  }

  /** Writes partner `i`'s contacts, commissions, payouts, clicks and subscriptions. */
  async writePartner(i: number): Promise<void> {
    const w = this.world;
    const rng = mulberry32(deriveSeed(deriveSeed(w.seed, 2), i));
    const partnerId = w.ids.partners + i;
    const n = w.counts[i]!;
    const from = Math.max(w.createdAt[i]! + DAY, w.windowStart + 7 * DAY);
    const to = w.now - HOUR;
    const span = to - from;
    if (n === 0) {
      // Dormant partners: a few clicks and maybe a lead, never a sale.
      const clicks = Math.floor(rng() * 4);
      for (let k = 0; k < clicks; k++) this.writeVisit(partnerId, -1, -1, Math.floor((from + rng() * span) / SECOND) * SECOND);
      if (rng() < 0.3) this.writeContact(rng, partnerId, Math.floor((from + rng() * span) / SECOND) * SECOND, false);
      return;
    }
    this.plan.ensure(n);
    const p = this.plan.cols;
    const rate = w.programRates[w.programOf[i]!]!;
    const isTop = i === w.topPartner;

    // Sale times, denser towards today (the business grows), sorted.
    for (let j = 0; j < n; j++) p.t[j] = Math.floor((from + span * Math.pow(rng(), 0.8)) / SECOND) * SECOND;
    p.t.subarray(0, n).sort();

    for (let j = 0; j < n; j++) {
      const t = p.t[j]!;
      const product = w.productPicker.index(rng);
      p.product[j] = product;
      p.amount[j] = Math.round((w.productPrices[product]! * rate) / 10_000);
      p.promo[j] = rng() < 0.4 ? Math.floor(rng() * PROMO_COUNT) : -1;
      const s = rng();
      p.sub[j] = s < 0.004 ? HOSTILE_FROM + Math.floor(rng() * hostileSubIds.length) : s < 0.35 ? Math.floor(rng() * HOSTILE_FROM) : -1;
      if (isTop && j < hostileSubIds.length) p.sub[j] = HOSTILE_FROM + j; // the demo account always shows each hostile SubID
      p.kind[j] = SALE;
      p.clawed[j] = 0;
      p.payMonth[j] = -1;
      p.processed[j] = NO_TIME;
      const ageDays = (w.now - t) / DAY;
      const u = rng();
      if (u < 0.05 && ageDays > 3) {
        p.status[j] = DECLINED;
        p.processed[j] = t + Math.floor(1 + rng() * Math.min(9, ageDays - 2)) * DAY;
      } else if (u < 0.08 && ageDays > 3) {
        p.status[j] = REFUNDED; // refunded before any payout: the commission was never earned
        p.processed[j] = t + Math.floor(1 + rng() * Math.min(28, ageDays - 2)) * DAY;
      } else {
        const approvedAt = t + 30 * DAY + Math.floor(rng() * 2 * DAY / SECOND) * SECOND;
        if (approvedAt > w.now) p.status[j] = PENDING;
        else {
          p.processed[j] = approvedAt;
          const month = this.monthAfter(approvedAt);
          if (this.payTime(month) <= w.now) {
            p.status[j] = PAID;
            p.payMonth[j] = month;
          } else p.status[j] = APPROVED;
        }
      }
    }

    // Clawbacks (a paid sale refunded later) take a slot in time order; everything else is a sale with a buyer.
    let buyers = 0;
    let firstBuyer = true;
    for (let j = 0; j < n; j++) {
      if (j > 0 && rng() < 0.012) {
        const r = Math.floor(rng() * j);
        if (p.kind[r] === SALE && p.status[r] === PAID && !p.clawed[r] && this.payTime(p.payMonth[r]!) + DAY < p.t[j]!) {
          p.clawed[r] = 1;
          p.kind[j] = CLAWBACK;
          p.product[j] = p.product[r]!;
          p.amount[j] = -p.amount[r]!;
          p.promo[j] = p.promo[r]!;
          p.sub[j] = p.sub[r]!;
          p.contact[j] = p.contact[r]!;
          p.processed[j] = p.t[j]!;
          const month = this.monthAfter(p.t[j]!);
          const paid = this.payTime(month) <= w.now;
          p.status[j] = paid ? PAID : APPROVED;
          p.payMonth[j] = paid ? month : -1;
          continue;
        }
      }
      // Six sales in ten come from new buyers; the rest are returning buyers (memberships, upsells).
      if (buyers === 0 || rng() < 0.6) {
        const addedAt = Math.max(w.createdAt[i]!, p.t[j]! - Math.floor((rng() * 10 * DAY) / SECOND) * SECOND);
        p.buyers[buyers++] = p.contact[j] = this.writeContact(rng, partnerId, addedAt, isTop && firstBuyer);
        firstBuyer = false;
      } else p.contact[j] = p.buyers[Math.floor(rng() * buyers)]!;
    }

    await this.writePayouts(i, partnerId, n);
    await this.writeCommissions(rng, partnerId, n);

    // Leads: referred contacts who never bought, each after a click.
    const leads = Math.floor(n * 0.15 + rng());
    for (let k = 0; k < leads; k++) {
      const at = Math.floor((from + rng() * span) / SECOND) * SECOND;
      const promo = rng() < 0.4 ? Math.floor(rng() * PROMO_COUNT) : -1;
      this.writeVisit(partnerId, promo, -1, at - Math.floor((rng() * HOUR) / SECOND) * SECOND);
      this.writeContact(rng, partnerId, at, false);
    }
  }

  /** One payout per partner and payout month; its amount is the sum of the commissions it pays. */
  private async writePayouts(i: number, partnerId: number, n: number): Promise<void> {
    const p = this.plan.cols;
    const sum = this.monthSum.fill(0);
    const rows = this.monthRows.fill(0);
    for (let j = 0; j < n; j++) {
      const m = p.payMonth[j]!;
      if (m >= 0) {
        sum[m] += p.amount[j]!;
        rows[m]!++;
      }
    }
    // A month where clawbacks outweigh earnings pays nothing: its clawbacks wait for the next payout.
    for (let m = 0; m < sum.length; m++) {
      if (rows[m]! === 0 || sum[m]! > 0) continue;
      const next = m + 1 < sum.length && this.payTime(m + 1) <= this.world.now ? m + 1 : -1;
      for (let j = 0; j < n; j++) {
        if (p.payMonth[j] !== m || p.kind[j] !== CLAWBACK) continue;
        sum[m] -= p.amount[j]!;
        rows[m]!--;
        p.payMonth[j] = next;
        if (next < 0) p.status[j] = APPROVED;
        else {
          sum[next] += p.amount[j]!;
          rows[next]!++;
        }
      }
    }
    const profileRng = mulberry32(deriveSeed(deriveSeed(this.world.seed, 3), i));
    const r = this.payoutRow;
    for (let m = 0; m < sum.length; m++) {
      if (rows[m]! === 0) continue;
      const id = this.nextPayout++;
      this.monthPayout[m] = id;
      r[0] = id;
      r[1] = partnerId;
      r[2] = sum[m]!;
      r[3] = DEMO_CURRENCY;
      r[4] = 'paypal';
      r[5] = `PAYID-${Math.floor(profileRng() * 0xffffffff).toString(16).toUpperCase().padStart(8, '0')}`;
      r[6] = this.payTime(m);
      this.out.payouts.row(r);
    }
    await this.maybeCheckpoint();
  }

  private async writeCommissions(rng: Rng, partnerId: number, n: number): Promise<void> {
    const w = this.world;
    const p = this.plan.cols;
    const r = this.commissionRow;
    const visitsSpan = 2 * w.visitsPerCommission + 1;
    for (let j = 0; j < n; j++) {
      const t = p.t[j]!;
      const m = p.payMonth[j]!;
      const paidAt = m >= 0 ? this.payTime(m) : null;
      const processed = p.processed[j]! === NO_TIME ? null : p.processed[j]!;
      r[0] = this.nextCommission++;
      r[1] = partnerId;
      r[2] = p.contact[j]!;
      r[3] = w.ids.products + p.product[j]!;
      r[4] = p.promo[j]! < 0 ? null : w.ids.promo_tools + p.promo[j]!;
      r[5] = p.sub[j]! < 0 ? null : SUB_IDS[p.sub[j]!]!;
      r[6] = KIND[p.kind[j]!]!;
      r[7] = COMMISSION_STATUSES[p.status[j]!]!;
      r[8] = p.amount[j]!;
      r[9] = DEMO_CURRENCY;
      r[10] = t;
      r[11] = processed;
      r[12] = paidAt;
      r[13] = m >= 0 ? this.monthPayout[m]! : null;
      r[14] = Math.max(t, processed ?? 0, paidAt ?? 0);
      this.out.commissions.row(r);
      if (p.kind[j] === SALE) {
        // Clicks before the sale: the last one carries the sale's promo tool and SubID.
        const clicks = Math.floor(rng() * visitsSpan);
        for (let k = 0; k < clicks; k++) {
          const lastClick = k === clicks - 1;
          const before = lastClick ? rng() * 2 * HOUR : HOUR + rng() * 6 * DAY;
          this.writeVisit(
            partnerId,
            lastClick ? p.promo[j]! : rng() < 0.4 ? Math.floor(rng() * PROMO_COUNT) : -1,
            lastClick ? p.sub[j]! : rng() < 0.3 ? Math.floor(rng() * HOSTILE_FROM) : -1,
            Math.max(w.windowStart, Math.floor((t - before) / SECOND) * SECOND),
          );
        }
        const subscription = w.productSubscription[p.product[j]!];
        if (subscription && p.status[j] !== DECLINED && p.status[j] !== REFUNDED && rng() < 0.5) {
          this.writeOpenOrder(rng, partnerId, j, subscription);
        }
      }
      if ((j & 4095) === 4095) await this.maybeCheckpoint();
    }
    await this.maybeCheckpoint();
  }

  /** A subscription started by sale `j`: mostly active when recent, some cancelled or paused over time. */
  private writeOpenOrder(rng: Rng, partnerId: number, j: number, period: 'monthly' | 'yearly'): void {
    const w = this.world;
    const p = this.plan.cols;
    const startedAt = p.t[j]!;
    const months = period === 'monthly' ? 1 : 12;
    const u = rng();
    let status: 'active' | 'cancelled' | 'paused' = 'cancelled';
    if (u < 0.06) status = 'paused';
    else if (rng() < Math.exp(-(w.now - startedAt) / (540 * DAY))) status = 'active';
    let nextChargeAt: number | null = null;
    let lastChargeAt = startedAt;
    if (status === 'active') {
      const d = new Date(startedAt);
      for (let k = 1; ; k++) {
        const at = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + k * months, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes());
        if (at > w.now) {
          nextChargeAt = at;
          break;
        }
        lastChargeAt = at;
      }
    }
    const price = w.productPrices[p.product[j]!]!;
    const r = this.orderRow;
    r[0] = this.nextOpenOrder++;
    r[1] = partnerId;
    r[2] = p.contact[j]!;
    r[3] = w.ids.products + p.product[j]!;
    r[4] = status;
    r[5] = price;
    r[6] = p.amount[j]!;
    r[7] = DEMO_CURRENCY;
    r[8] = nextChargeAt;
    r[9] = startedAt;
    r[10] = lastChargeAt;
    this.out.open_orders.row(r);
  }
}
