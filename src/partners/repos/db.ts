/** Helpers of the partner center's repositories: time ranges and sums. */
export type { Db } from '../../store/index.js';

/** `[startMs, endMs)` in UTC epoch ms. */
export interface MsRange {
  startMs: number;
  endMs: number;
}

/** Sums come back as numbers (SQLite) or numeric parsed to numbers (PostgreSQL), and null over no rows. */
export function num(v: unknown): number {
  return v === null || v === undefined ? 0 : Number(v);
}
