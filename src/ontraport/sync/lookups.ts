/**
 * Repository: Ontraport ids -> Partnergate ids, one query per table per page. Partners are found by their
 * referral code, which is the partner's Ontraport contact id (what `freferrer`, `oprid` and commission
 * records hold).
 */
import type { Db } from '../../store/index.js';

export interface RefNeeds {
  programs?: Iterable<number | null>;
  contacts?: Iterable<number | null>;
  /** Partner contact ids. */
  partners?: Iterable<number | null>;
  products?: Iterable<number | null>;
  purchases?: Iterable<number | null>;
  promoTools?: Iterable<number | null>;
}

export interface ProgramRef {
  id: number;
  currency: string;
}
export interface PartnerRef {
  id: number;
  programId: number;
  currency: string;
}

/** Ontraport id -> Partnergate row, one map per table a page refers to; partners by their contact id. */
export interface Lookups {
  programs: ReadonlyMap<number, ProgramRef>;
  contacts: ReadonlyMap<number, number>;
  partners: ReadonlyMap<number, PartnerRef>;
  products: ReadonlyMap<number, number>;
  purchases: ReadonlyMap<number, number>;
  promoTools: ReadonlyMap<number, number>;
}

const CHUNK = 500;

function distinct(ids: Iterable<number | null> | undefined): number[] {
  const out = new Set<number>();
  for (const id of ids ?? []) if (id !== null && id > 0) out.add(id);
  return [...out];
}

async function chunked<T>(ids: number[], load: (chunk: number[]) => Promise<T[]>): Promise<T[]> {
  const rows: T[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) rows.push(...(await load(ids.slice(i, i + CHUNK))));
  return rows;
}

type MirroredTable = 'contacts' | 'products' | 'purchases' | 'promo_tools';

async function idMap(db: Db, table: MirroredTable, ids: number[]): Promise<Map<number, number>> {
  const rows = await chunked(ids, (chunk) => db.selectFrom(table).select(['id', 'ontraport_id']).where('ontraport_id', 'in', chunk).execute());
  return new Map(rows.map((r) => [Number(r.ontraport_id), r.id]));
}

export async function loadLookups(db: Db, needs: RefNeeds): Promise<Lookups> {
  const programIds = distinct(needs.programs);
  const programRows = await chunked(programIds, (chunk) =>
    db.selectFrom('programs').select(['id', 'ontraport_id', 'currency']).where('ontraport_id', 'in', chunk).execute(),
  );
  const partnerIds = distinct(needs.partners);
  const partnerRows = await chunked(partnerIds, (chunk) =>
    db
      .selectFrom('partners')
      .innerJoin('programs', 'programs.id', 'partners.program_id')
      .select(['partners.id as id', 'partners.referral_code as code', 'partners.program_id as programId', 'programs.currency as currency'])
      .where('partners.referral_code', 'in', chunk.map(String))
      .execute(),
  );
  return {
    programs: new Map(programRows.map((r) => [Number(r.ontraport_id), { id: r.id, currency: r.currency }])),
    contacts: await idMap(db, 'contacts', distinct(needs.contacts)),
    partners: new Map(partnerRows.map((r) => [Number(r.code), { id: r.id, programId: r.programId, currency: r.currency }])),
    products: await idMap(db, 'products', distinct(needs.products)),
    purchases: await idMap(db, 'purchases', distinct(needs.purchases)),
    promoTools: await idMap(db, 'promo_tools', distinct(needs.promoTools)),
  };
}
