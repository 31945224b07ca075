/**
 * The promo tools a partner may use (their program's and those made for every program), searched and grouped:
 * by program first (the partner's own program, then "every program"), then by kind. Search runs here, over the
 * at most 500 tools a program has, so it means the same on SQLite and PostgreSQL: every word of `q` must occur,
 * ignoring case, in the tool's name, subject or text.
 */
import type { PromoTool } from '../store/index.js';
import type { Db } from './repos/db.js';
import { listPromoTools } from './repos/catalog.repo.js';
import { plainText, promoToolView, type PromoToolView } from './promo-tools.js';

export const PROMO_KINDS = ['banner', 'lightbox', 'email', 'link'] as const satisfies ReadonlyArray<PromoTool['kind']>;
export type PromoKind = (typeof PROMO_KINDS)[number];
/** The `program` filter's value for tools made for every program (`program_id` null). */
export const EVERY_PROGRAM = 'every';
/** Longest search text accepted. */
export const PROMO_QUERY_MAX = 100;

export interface PromoFilter {
  q?: string;
  kind?: PromoKind;
  /** The partner's own program id, or {@link EVERY_PROGRAM}. */
  program?: number | typeof EVERY_PROGRAM;
}

export interface PromoKindGroup {
  kind: PromoKind;
  tools: PromoToolView[];
}

export interface PromoProgramGroup {
  /** null: tools made for every program. */
  programId: number | null;
  kinds: PromoKindGroup[];
}

export interface PromoCatalog {
  /** Tools the partner may use, before the filter. */
  total: number;
  /** Tools the filter kept. */
  shown: number;
  groups: PromoProgramGroup[];
}

function searchable(tool: PromoTool): string {
  return [tool.name, tool.subject ?? '', plainText(tool.body ?? '')].join('\n').toLowerCase();
}

function matches(tool: PromoTool, filter: PromoFilter, words: string[]): boolean {
  if (filter.kind && tool.kind !== filter.kind) return false;
  if (filter.program === EVERY_PROGRAM && tool.program_id !== null) return false;
  if (typeof filter.program === 'number' && tool.program_id !== filter.program) return false;
  if (words.length === 0) return true;
  const text = searchable(tool);
  return words.every((w) => text.includes(w));
}

export async function promoCatalog(db: Db, q: { programId: number; origin: string; referralCode: string; filter?: PromoFilter }): Promise<PromoCatalog> {
  const filter = q.filter ?? {};
  const tools = await listPromoTools(db, q.programId);
  const words = (filter.q ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  const kept = tools.filter((t) => matches(t, filter, words));
  const groups: PromoProgramGroup[] = [];
  for (const programId of [q.programId, null]) {
    const ofProgram = kept.filter((t) => t.program_id === programId);
    const kinds = PROMO_KINDS.map((kind) => ({ kind, tools: ofProgram.filter((t) => t.kind === kind).map((t) => promoToolView(t, q.origin, q.referralCode)) })).filter((k) => k.tools.length > 0);
    if (kinds.length) groups.push({ programId, kinds });
  }
  return { total: tools.length, shown: kept.length, groups };
}
