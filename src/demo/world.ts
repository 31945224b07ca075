/**
 * The shape of one demo world, decided before any row is written: options with defaults, the first free id of
 * each table, the programs/products/promo tools, and per partner its activity rank, commission count, tier,
 * join date and profile. Everything follows from the seed; nothing here touches the store.
 */
import {
  DEMO_CURRENCY, aliases, demoProducts, demoPrograms, demoPromoTools, demoTimeZones, firstNames, lastNames, mailDomains,
} from './catalog.js';
import { WeightedPicker, deriveSeed, intBetween, mulberry32, permutation, pick } from './random.js';

export const SECOND = 1000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
/** How far back the demo history goes. */
export const HISTORY_DAYS = 3 * 365;
/** Payouts are sent on the 1st of each month at this hour (UTC). */
export const PAYOUT_HOUR_MS = 9 * HOUR;

export interface DemoOptions {
  seed: number;
  partners: number;
  commissions: number;
  /** Clicks per commission on average (default 2). */
  visitsPerCommission?: number;
  /** The generator's "today": UTC epoch ms; default today at 00:00 UTC. Every generated time is before it. */
  now?: number;
  onProgress?: (p: { table: string; rows: number; totalRows: number }) => void;
  /** Drop and rebuild the big tables' secondary indexes around the load; default: when loading 200,000+ commissions. */
  rebuildIndexes?: boolean;
}

/** The first id each table's new rows take (one past the highest already stored), and the same for contacts' Ontraport ids. */
export interface IdBases {
  programs: number;
  products: number;
  promo_tools: number;
  contacts: number;
  partners: number;
  commissions: number;
  payouts: number;
  visits: number;
  open_orders: number;
  ontraport: number;
}

export interface PartnerProfile {
  firstName: string;
  lastName: string;
  email: string;
  paypalEmail: string | null;
  timeZone: string | null;
  alias: string | null;
  status: 'active' | 'inactive';
}

export interface World {
  seed: number;
  now: number;
  windowStart: number;
  partnerCount: number;
  commissionCount: number;
  visitsPerCommission: number;
  ids: IdBases;
  /** Store ids of the three ladder programs (inserted now or already there) and their rates. */
  programIds: number[];
  programRates: number[];
  productPrices: number[];
  productSubscription: Array<'monthly' | 'yearly' | null>;
  productPicker: WeightedPicker;
  promoLanding: string[];
  /** Activity rank per partner index: 0 is the busiest. */
  rank: Int32Array;
  /** Commission rows per partner index (clawbacks included); sums to `commissionCount`. */
  counts: Int32Array;
  /** Index into `demoPrograms` per partner. */
  programOf: Uint8Array;
  createdAt: Float64Array;
  /** The partner index with rank 0: the demo account's partner. */
  topPartner: number;
  /** UTC month starts covering the history, for payout days. */
  monthStarts: Float64Array;
}

export function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY) * DAY;
}

/** Zipf-like weights over the active 80% of partners: a few earn a lot, most a little, some nothing. */
function allocateCounts(rank: Int32Array, total: number): Int32Array {
  const n = rank.length;
  const active = Math.max(1, Math.ceil(n * 0.8));
  const weightOfRank = new Float64Array(n);
  let sum = 0;
  for (let r = 0; r < active && r < n; r++) sum += weightOfRank[r] = 1 / (r + 1);
  const byRank = new Int32Array(n);
  let given = 0;
  for (let r = 0; r < n; r++) given += byRank[r] = Math.floor((total * weightOfRank[r]!) / sum);
  for (let r = 0; given < total; r = (r + 1) % active, given++) byRank[r]!++;
  const counts = new Int32Array(n);
  for (let i = 0; i < n; i++) counts[i] = byRank[rank[i]!]!;
  return counts;
}

function monthStartsAround(from: number, to: number): Float64Array {
  const out: number[] = [];
  const d = new Date(from);
  let y = d.getUTCFullYear();
  let m = d.getUTCMonth() - 1;
  for (;;) {
    const start = Date.UTC(y, m, 1);
    out.push(start);
    if (start > to + 40 * DAY) break;
    m++;
    if (m === 12) {
      m = 0;
      y++;
    }
  }
  return Float64Array.from(out);
}

export function buildWorld(opts: DemoOptions, ids: IdBases, programs: Array<{ id: number; rate_bp: number }>): World {
  const partnerCount = Math.floor(opts.partners);
  const commissionCount = Math.floor(opts.commissions);
  if (!(partnerCount >= 1)) throw new RangeError('partners: must be at least 1');
  if (!(commissionCount >= 0)) throw new RangeError('commissions: must be 0 or more');
  const visitsPerCommission = opts.visitsPerCommission ?? 2;
  if (!(visitsPerCommission >= 0 && visitsPerCommission <= 100)) throw new RangeError('visitsPerCommission: must be between 0 and 100');
  const now = opts.now ?? startOfUtcDay(Date.now());
  const windowStart = now - HISTORY_DAYS * DAY;
  const rng = mulberry32(deriveSeed(opts.seed, 0));

  const rank = permutation(rng, partnerCount);
  const counts = allocateCounts(rank, commissionCount);
  const goldRanks = Math.max(1, Math.round(partnerCount * 0.02));
  const silverRanks = Math.max(goldRanks + 1, Math.round(partnerCount * 0.12));
  const programOf = new Uint8Array(partnerCount);
  const createdAt = new Float64Array(partnerCount);
  let topPartner = 0;
  for (let i = 0; i < partnerCount; i++) {
    const r = rank[i]!;
    if (r === 0) topPartner = i;
    programOf[i] = r < goldRanks ? 2 : r < silverRanks ? 1 : 0;
    // The busiest partners have been around longest; everyone joined at least a month before "now".
    const span = HISTORY_DAYS * DAY * (r < silverRanks ? 0.25 : 0.95);
    createdAt[i] = Math.floor((windowStart - 60 * DAY + rng() * span) / SECOND) * SECOND;
  }

  return {
    seed: opts.seed,
    now,
    windowStart,
    partnerCount,
    commissionCount,
    visitsPerCommission,
    ids,
    programIds: programs.map((p) => p.id),
    programRates: programs.map((p) => p.rate_bp),
    productPrices: demoProducts.map((p) => p.price_cents),
    productSubscription: demoProducts.map((p) => p.subscription),
    productPicker: new WeightedPicker(demoProducts.map((p) => p.weight)),
    promoLanding: demoPromoTools.map((t) => t.landing_path),
    rank,
    counts,
    programOf,
    createdAt,
    topPartner,
    monthStarts: monthStartsAround(windowStart - 90 * DAY, now),
  };
}

/** `José Müller` -> `jose.muller`: email-safe ASCII. */
export function slug(name: string): string {
  return name.normalize('NFD').replace(/[^A-Za-z]/g, '').toLowerCase();
}

export const firstSlugs = firstNames.map(slug);
export const lastSlugs = lastNames.map(slug);

/** A partner's name, contact details and preferences; the same for the same seed and index. */
export function partnerProfile(world: World, i: number): PartnerProfile {
  const rng = mulberry32(deriveSeed(deriveSeed(world.seed, 1), i));
  const f = Math.floor(rng() * firstNames.length);
  const l = Math.floor(rng() * lastNames.length);
  const email = `${firstSlugs[f]}.${lastSlugs[l]}${world.ids.contacts + i}@${pick(rng, mailDomains)}`;
  const p = rng();
  // About one in seven has not given a PayPal email yet; the quietest partner never has, so even tiny worlds show it.
  const quietest = world.partnerCount >= 3 && world.rank[i] === world.partnerCount - 1;
  const paypalEmail = quietest ? null : p < 0.72 ? email : p < 0.85 ? `${firstSlugs[f]}${lastSlugs[l]}.payments@${pick(rng, mailDomains)}` : null;
  const isTop = i === world.topPartner;
  const timeZone = isTop ? 'America/New_York' : rng() < 0.35 ? pick(rng, demoTimeZones) : null;
  const alias = rng() < 0.12 ? `${pick(rng, aliases)}${intBetween(rng, 1, 99)}` : null;
  const status = !isTop && rng() < 0.04 ? 'inactive' : 'active';
  return { firstName: firstNames[f]!, lastName: lastNames[l]!, email, paypalEmail: isTop ? email : paypalEmail, timeZone, alias, status };
}

/** Rows for the ladder programs not already in the store (`missing`: indexes into `demoPrograms`). */
export const programRows = (world: World, missing: number[]) =>
  missing.map((k) => demoPrograms[k]!).map((p, n) => [world.programIds[missing[n]!]!, p.name, DEMO_CURRENCY, p.tier_group, p.level_order, p.rate_bp, JSON.stringify({ source: 'demo' }), world.windowStart - 120 * DAY, world.windowStart - 120 * DAY]);

export const productRows = (world: World) =>
  demoProducts.map((p, k) => [world.ids.products + k, p.name, p.price_cents, DEMO_CURRENCY, world.windowStart - 100 * DAY]);

export const promoToolRows = (world: World) =>
  demoPromoTools.map((t, k) => [
    world.ids.promo_tools + k, null, t.kind, t.name, t.subject ?? null, t.body ?? null, t.image_url ?? null, t.width ?? null,
    t.height ?? null, t.landing_path, world.windowStart - 90 * DAY,
  ]);
