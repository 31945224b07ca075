/**
 * Rows of a record block (commissions, referred contacts, open orders), always of the signed-in partner: the
 * partner condition is added here, whatever the configuration says, and the partner id comes from the session.
 */
import type { Kysely } from 'kysely';
import { whereSql, type CompileContext } from './compile.js';
import { sources } from './fields.js';
import type { RecordsBlock } from './model.js';
import type { Db } from '../store/index.js';

export type RecordRow = Record<string, string | number | null>;

export async function selectRecords(db: Db, block: RecordsBlock, partnerId: number, ctx: CompileContext): Promise<RecordRow[]> {
  const spec = sources[block.source];
  let q = (db as unknown as Kysely<any>)
    .selectFrom(`${spec.table} as s`)
    .where(`s.${spec.partnerColumn(block.referrer)}`, '=', partnerId)
    .where((eb) => whereSql(eb, block.where, 's', ctx));
  const selections: string[] = [];
  for (const field of block.columns) {
    if (field === 'product') {
      q = q.leftJoin('products as prod', 'prod.id', 's.product_id');
      selections.push('prod.name as product');
    } else if (field === 'promo_tool') {
      q = q.leftJoin('promo_tools as tool', 'tool.id', 's.promo_tool_id');
      selections.push('tool.name as promo_tool');
    } else {
      selections.push(`s.${spec.fields[field]!.column} as ${field}`);
    }
  }
  if (spec.table !== 'contacts') selections.push('s.currency as currency');
  const sortColumn = `s.${spec.fields[block.sort.field]!.column}`;
  return (await q
    .select(selections)
    .orderBy(sortColumn, block.sort.dir)
    .orderBy('s.id', block.sort.dir)
    .limit(block.limit)
    .execute()) as RecordRow[];
}
