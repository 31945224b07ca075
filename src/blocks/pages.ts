/**
 * View models of block-composed pages: record lists (the partner's own commissions, referred contacts, open
 * orders), the partner's own rollup figures, and rankings of partners of a program (rank, display name and
 * value only).
 */
import { formatLocal, formatMoney, maskEmail } from '../common/index.js';
import { sources } from './fields.js';
import type { PageBlock, PageDef, RecordsBlock, StatsBlock } from './model.js';
import { formatValue, rankingView, type BlocksDeps, type RankingView } from './rankings.js';
import { readViewer, type ViewerRow } from './rankings.repo.js';
import { selectRecords, type RecordRow } from './records.repo.js';
import { valueForPartner } from './rollups.repo.js';

export interface CellView {
  text: string;
  num: boolean;
  negative: boolean;
}

export interface RecordsView {
  title: string;
  empty: string;
  columns: Array<{ label: string; num: boolean }>;
  rows: Array<{ cells: CellView[] }>;
}

export interface StatsView {
  title: string;
  figures: Array<{ label: string; valueText: string }>;
}

export type BlockView =
  | { kind: 'records'; name: string; view: RecordsView }
  | { kind: 'ranking'; name: string; view: RankingView & { title: string; empty: string; columns: string[] } }
  | { kind: 'stats'; name: string; view: StatsView };

export interface PageView {
  title: string;
  intro?: string;
  viewer?: ViewerRow;
  blocks: BlockView[];
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function cell(block: RecordsBlock, field: string, row: RecordRow, timeZone: string, maskEmails: boolean): CellView {
  const value = row[field];
  // A referred customer's address is the customer's, not the partner's: masked unless the operator says not.
  if (maskEmails && block.source === 'referred_contacts' && field === 'email') return { text: typeof value === 'string' && value !== '' ? maskEmail(value) : '', num: false, negative: false };
  if (field === 'product' || field === 'promo_tool') return { text: typeof value === 'string' ? value : '—', num: false, negative: false };
  const spec = sources[block.source].fields[field]!;
  switch (spec.type) {
    case 'date':
      return { text: typeof value === 'number' ? formatLocal(value, timeZone) : '', num: false, negative: false };
    case 'money': {
      const cents = Number(value ?? 0);
      return { text: formatMoney(cents, String(row.currency ?? 'USD')), num: true, negative: cents < 0 };
    }
    case 'number':
      return { text: String(value ?? ''), num: true, negative: Number(value) < 0 };
    case 'enum':
      return { text: typeof value === 'string' ? capitalise(value) : '', num: false, negative: false };
    default:
      return { text: value === null || value === undefined ? '' : String(value), num: false, negative: false };
  }
}

async function recordsView(deps: BlocksDeps, block: RecordsBlock, viewer: ViewerRow): Promise<RecordsView> {
  const timeZone = viewer.time_zone ?? deps.timeZone;
  const rows = await selectRecords(deps.db, block, viewer.partner_id, { timeZone: deps.timeZone, now: deps.now() });
  const fields = sources[block.source].fields;
  return {
    title: block.title,
    empty: block.empty,
    columns: block.columns.map((c) => ({ label: fields[c]!.label, num: ['money', 'number'].includes(fields[c]!.type) })),
    rows: rows.map((r) => ({ cells: block.columns.map((c) => cell(block, c, r, timeZone, deps.maskCustomerEmails !== false)) })),
  };
}

async function statsView(deps: BlocksDeps, block: StatsBlock, viewer: ViewerRow): Promise<StatsView> {
  const ctx = { timeZone: deps.timeZone, now: deps.now() };
  const figures = [];
  for (const rollup of block.rollups) {
    const value = await valueForPartner(deps.db, rollup, viewer.partner_id, ctx);
    figures.push({ label: rollup.label, valueText: formatValue(rollup.unit, value, viewer.currency) });
  }
  return { title: block.title, figures };
}

async function blockView(deps: BlocksDeps, block: PageBlock, viewer: ViewerRow): Promise<BlockView> {
  switch (block.kind) {
    case 'records':
      return { kind: 'records', name: block.name, view: await recordsView(deps, block, viewer) };
    case 'stats':
      return { kind: 'stats', name: block.name, view: await statsView(deps, block, viewer) };
    case 'ranking': {
      const view = await rankingView(deps, block, viewer.partner_id, viewer);
      return { kind: 'ranking', name: block.name, view: { ...view, title: block.title, empty: block.empty, columns: block.columns } };
    }
  }
}

/** Every block of the page, for the signed-in partner `viewerId`. */
export async function pageView(deps: BlocksDeps, page: PageDef, viewerId: number, known?: ViewerRow): Promise<PageView> {
  const viewer = known?.partner_id === viewerId ? known : await readViewer(deps.db, viewerId);
  if (!viewer) return { title: page.title, intro: page.intro, blocks: [] };
  const blocks: BlockView[] = [];
  for (const block of page.blocks) blocks.push(await blockView(deps, block, viewer));
  return { title: page.title, intro: page.intro, viewer, blocks };
}
