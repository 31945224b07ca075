/**
 * Paired, interleaved measurement of two variants of a server (A the reference, B the variant), so that a
 * shared, busy machine neither fakes nor hides a difference between them: both run at once, and short wrk rounds
 * alternate A B, B A, A B, ... (each pair in the opposite order to the one before, so neither side always runs
 * second). Each pair gives one ratio B/A, taken a few seconds apart under nearly the same machine load; the figure
 * is the median of those ratios, reported with its spread (min, quartiles, max). Back-to-back whole runs swing
 * 30-50% on this machine; a drift in load within a pair hits both sides alike.
 *
 * CPU per request is each variant's processes' user + system time (/proc, the process and its descendants, so a
 * node:cluster primary counts its workers) over the requests wrk completed in that round: much less swayed by
 * other work on the machine than req/s.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { median, procStat, requireClean, result, round, wrk, type BenchResult } from './lib.js';

export interface Variant {
  name: string;
  url: string;
  /** The process whose CPU time (with its descendants') is charged to this variant; none: no CPU figure. */
  pid?: number;
  headers?: Record<string, string>;
}

export interface Spread {
  median: number;
  min: number;
  q1: number;
  q3: number;
  max: number;
}

export interface SideFigures {
  /** Medians over this side's rounds. */
  rps: number;
  p50ms: number;
  p99ms: number;
  /** CPU ms per 1000 requests (NaN without a pid). */
  cpuMsPer1000: number;
  /** Requests completed in the measured rounds. */
  requests: number;
  /** Every request sent to this side, warm-up included. */
  allRequests: number;
}

export interface PairedResult {
  a: SideFigures;
  b: SideFigures;
  pairs: number;
  secondsPerRound: number;
  /** B/A req/s, per pair. Above 1: B served more. */
  rpsRatio: Spread;
  /** A/B CPU per request, per pair. Above 1: B costs less CPU per request (NaN without pids). */
  cpuRatio: Spread;
  /** A/B p50, per pair. Above 1: B's median latency is lower. */
  p50Ratio: Spread;
  /** A/B p99, per pair. Above 1: B's p99 is lower. */
  p99Ratio: Spread;
}

/** Quartiles by linear interpolation (the usual "type 7"). */
export function spreadOf(values: number[]): Spread {
  const s = values.filter((v) => Number.isFinite(v)).sort((x, y) => x - y);
  if (s.length === 0) return { median: NaN, min: NaN, q1: NaN, q3: NaN, max: NaN };
  const q = (p: number) => {
    const at = (s.length - 1) * p;
    const lo = Math.floor(at);
    return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (at - lo);
  };
  return { median: round(median(s), 3), min: round(s[0]!, 3), q1: round(q(0.25), 3), q3: round(q(0.75), 3), max: round(s[s.length - 1]!, 3) };
}

/** "median 0.97x (IQR 0.95-0.99, min 0.91, max 1.02; 12 pairs of 2 s)": for a figure's note. */
export function describeSpread(s: Spread, pairs: number, seconds: number): string {
  return `median of ${pairs} interleaved pairs of ${seconds} s rounds ${s.median}x (IQR ${s.q1}-${s.q3}, min ${s.min}, max ${s.max})`;
}

/** `pid` and every live descendant of it. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const p = Number(entry);
    if (!Number.isInteger(p) || p <= 0) continue;
    const t = procStat(p);
    if (t) children.set(t.ppid, [...(children.get(t.ppid) ?? []), p]);
  }
  const tree: number[] = [];
  const todo = [pid];
  while (todo.length) {
    const p = todo.pop()!;
    tree.push(p);
    todo.push(...(children.get(p) ?? []));
  }
  return tree;
}

/** CPU seconds (user + system, clock ticks of 10 ms) used so far by `pid` and every live descendant of it. */
export function treeCpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) ticks += procStat(p)?.ticks ?? 0;
  return ticks / 100;
}

/** Binds every thread of `pid` and of its descendants to the CPUs in `cpus` (taskset's list form: "1", "0-1"). */
export function pinTree(pid: number, cpus: string): void {
  for (const p of processTree(pid)) execFileSync('taskset', ['-a', '-c', '-p', cpus, String(p)], { stdio: 'ignore' });
}

interface Round {
  rps: number;
  p50ms: number;
  p99ms: number;
  requests: number;
  cpuMsPer1000: number;
}

async function round1(v: Variant, seconds: number, connections: number, cpus: string | undefined): Promise<Round> {
  const before = v.pid === undefined ? 0 : treeCpuSeconds(v.pid);
  const r = requireClean(`${v.name}`, await wrk(v.url, { connections, seconds, headers: v.headers, cpus }));
  const cpu = v.pid === undefined ? NaN : ((treeCpuSeconds(v.pid) - before) * 1e6) / Math.max(1, r.requests);
  return { rps: r.rps, p50ms: r.p50ms, p99ms: r.p99ms, requests: r.requests, cpuMsPer1000: cpu };
}

/**
 * Warms both variants up (one round each, not counted), then runs `pairs` pairs of rounds, alternating which
 * side goes first. Throws (BenchFailure) when any round saw a non-2xx answer or a socket error.
 */
/** `loadCpus`: the CPUs wrk runs on (taskset's list form), when the servers have been pinned to the others. */
export async function interleave(a: Variant, b: Variant, opts: { pairs: number; seconds: number; connections?: number; warmupSeconds?: number; loadCpus?: string }): Promise<PairedResult> {
  const connections = opts.connections ?? 64;
  const warm = opts.warmupSeconds ?? Math.min(3, opts.seconds);
  const cpus = opts.loadCpus;
  const warmA = (await wrk(a.url, { connections, seconds: warm, headers: a.headers, cpus })).requests;
  const warmB = (await wrk(b.url, { connections, seconds: warm, headers: b.headers, cpus })).requests;
  const ra: Round[] = [];
  const rb: Round[] = [];
  for (let i = 0; i < opts.pairs; i++) {
    if (i % 2 === 0) {
      ra.push(await round1(a, opts.seconds, connections, cpus));
      rb.push(await round1(b, opts.seconds, connections, cpus));
    } else {
      rb.push(await round1(b, opts.seconds, connections, cpus));
      ra.push(await round1(a, opts.seconds, connections, cpus));
    }
  }
  const side = (rs: Round[], warmup: number): SideFigures => ({
    rps: round(median(rs.map((r) => r.rps)), 1),
    p50ms: round(median(rs.map((r) => r.p50ms)), 2),
    p99ms: round(median(rs.map((r) => r.p99ms)), 2),
    cpuMsPer1000: round(median(rs.map((r) => r.cpuMsPer1000)), 1),
    requests: rs.reduce((n, r) => n + r.requests, 0),
    allRequests: rs.reduce((n, r) => n + r.requests, warmup),
  });
  const per = (f: (x: Round, y: Round) => number) => spreadOf(ra.map((x, i) => f(x, rb[i]!)));
  return {
    a: side(ra, warmA),
    b: side(rb, warmB),
    pairs: opts.pairs,
    secondsPerRound: opts.seconds,
    rpsRatio: per((x, y) => y.rps / x.rps),
    cpuRatio: per((x, y) => x.cpuMsPer1000 / y.cpuMsPer1000),
    p50Ratio: per((x, y) => x.p50ms / y.p50ms),
    p99Ratio: per((x, y) => x.p99ms / y.p99ms),
  };
}

/**
 * A figure whose ratio is the median of per-pair ratios (not value / reference: those are medians over each
 * side's own rounds). `ratio` must already be oriented so that above 1 means better than the reference.
 */
export function pairedResult(name: string, value: number, unit: string, reference: { name: string; value: number }, ratio: Spread, note: string): BenchResult {
  return { ...result(name, value, unit, reference, note), ratio: Number.isFinite(ratio.median) ? ratio.median : null };
}
