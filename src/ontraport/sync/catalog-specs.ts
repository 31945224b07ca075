/**
 * Partner programs (35), products (16) and promo tools (40): the catalogue partners sell from.
 * Program and promo tool field names are *unconfirmed* (candidates resolved from meta). A program's tier
 * ladder (`tier_group`, `level_order`) is Partnergate configuration and never overwritten by the sync.
 */
import { ObjectType, type BaseRecord, type ObjectMeta } from '../types.js';
import { MalformedRecord, optionalCents, optionalCurrency, optionalId, optionalInt, optionalText, optionalTime, optionTranslator, percentToBasisPoints, describeMapping, recordId, resolveFields, type FieldWants } from './fields.js';
import { countUnseenMirrored, removeUnseenMirrored, touchMirrored, upsertMirrored, type MirrorTable } from './mirror-repository.js';
import type { PageContext, PreparedSpec, SyncObjectSpec } from './types.js';

const dlm = { candidates: ['dlm'], required: true };
const added = { candidates: ['date', 'date_added', 'created'] };

/** Mapping errors of one record are collected; the others are written. */
export function mapEach<T>(ctx: PageContext, records: readonly BaseRecord[], map: (r: BaseRecord) => T): T[] {
  const rows: T[] = [];
  for (const r of records) {
    try {
      rows.push(map(r));
    } catch (err) {
      if (!(err instanceof MalformedRecord)) throw err;
      ctx.skip(r, err.message);
    }
  }
  return rows;
}

export function mirrorHelpers(table: MirrorTable): Pick<PreparedSpec, 'touchSeen' | 'countUnseen' | 'removeUnseen'> {
  return {
    touchSeen: (trx, records, marker) => touchMirrored(trx, table, records.map((r) => optionalIdOrNull(r.id)).filter((id): id is number => id !== null), marker),
    countUnseen: (db, marker) => countUnseenMirrored(db, table, marker),
    removeUnseen: (db, marker) => removeUnseenMirrored(db, table, marker),
  };
}

const programWants = {
  name: { candidates: ['name', 'program_name'], labels: [/^(program )?name$/i], required: true },
  currency: { candidates: ['currency', 'currency_code'], labels: [/^currency( code)?$/i] },
  rate: { candidates: ['commission_rate', 'rate', 'level1_rate', 'level1', 'commission_percent', 'percent'], labels: [/^(level 1 )?commission( rate)?( ?%| \(%\))?$/i, /^level 1 rate/i] },
  level2: { candidates: ['level2_rate', 'level2', 'second_tier_rate'], labels: [/^(level 2|second tier)( rate)?( ?%| \(%\))?$/i] },
  added,
  dlm,
} satisfies FieldWants<string>;

export const programsSpec: SyncObjectSpec = {
  name: 'programs',
  objectType: ObjectType.PartnerProgram,
  wants: programWants,
  prepare(meta: ObjectMeta): PreparedSpec {
    const f = resolveFields(meta, programWants);
    return {
      mapping: describeMapping(f),
      dlmField: f.name('dlm'),
      refs: () => ({}),
      async writePage(ctx, records) {
        const rows = mapEach(ctx, records, (r) => {
          const name = optionalText(f.raw(r, 'name'), 200);
          if (!name) throw new MalformedRecord('name is missing');
          const updated = optionalTime(f.raw(r, 'dlm'), 'dlm') ?? ctx.marker;
          return {
            ontraport_id: recordId(r),
            name,
            currency: optionalCurrency(f.raw(r, 'currency'), 'currency') ?? ctx.defaultCurrency,
            tier_group: null,
            level_order: 1,
            rate_bp: percentToBasisPoints(f.raw(r, 'rate'), 'commission rate'),
            rules_json: JSON.stringify({ level2_bp: percentToBasisPoints(f.raw(r, 'level2'), 'second tier rate') }),
            created_at: optionalTime(f.raw(r, 'added'), 'date') ?? updated,
            updated_at: updated,
            synced_at: ctx.marker,
          };
        });
        // Program names are unique here; Ontraport does not insist. A clash is reported, not crashed on.
        const taken = rows.length
          ? await ctx.trx.selectFrom('programs').select(['name', 'ontraport_id']).where('name', 'in', rows.map((r) => r.name)).execute()
          : [];
        const owner = new Map(taken.map((t) => [t.name, t.ontraport_id === null ? null : Number(t.ontraport_id)]));
        const ok = rows.filter((row) => {
          const current = owner.get(row.name);
          if (owner.has(row.name) && current !== row.ontraport_id) {
            ctx.skip({ id: row.ontraport_id }, `program name "${row.name}" is already used by ${current === null ? 'a local program' : `program #${current}`}`);
            return false;
          }
          owner.set(row.name, row.ontraport_id);
          return true;
        });
        await upsertMirrored(ctx.trx, 'programs', ok, ['name', 'currency', 'rate_bp', 'rules_json', 'updated_at', 'synced_at']);
        return ok.length;
      },
      ...mirrorHelpers('programs'),
    };
  },
};

const productWants = {
  name: { candidates: ['name', 'product_name'], required: true },
  price: { candidates: ['price', 'unit_price'] },
  currency: { candidates: ['currency', 'currency_code'] },
  dlm,
} satisfies FieldWants<string>;

export const productsSpec: SyncObjectSpec = {
  name: 'products',
  objectType: ObjectType.Product,
  wants: productWants,
  prepare(meta) {
    const f = resolveFields(meta, productWants);
    return {
      mapping: describeMapping(f),
      dlmField: f.name('dlm'),
      refs: () => ({}),
      async writePage(ctx, records) {
        const rows = mapEach(ctx, records, (r) => ({
          ontraport_id: recordId(r),
          name: optionalText(f.raw(r, 'name'), 300) ?? `Product ${String(r.id)}`,
          price_cents: optionalCents(f.raw(r, 'price'), 'price') ?? 0,
          currency: optionalCurrency(f.raw(r, 'currency'), 'currency') ?? ctx.defaultCurrency,
          updated_at: optionalTime(f.raw(r, 'dlm'), 'dlm') ?? ctx.marker,
          synced_at: ctx.marker,
        }));
        await upsertMirrored(ctx.trx, 'products', rows, ['name', 'price_cents', 'currency', 'updated_at', 'synced_at']);
        return rows.length;
      },
      ...mirrorHelpers('products'),
    };
  },
};

const promoWants = {
  name: { candidates: ['name', 'title'], labels: [/^((tool|promo) )?(name|title)$/i], required: true },
  kind: { candidates: ['type', 'promo_type', 'kind'], labels: [/^((tool|promo) )?type$/i], required: true },
  program: { candidates: ['program_id', 'partnerprogram_id', 'partner_program_id', 'program'], labels: [/^(partner )?program( id)?$/i] },
  subject: { candidates: ['subject', 'email_subject'], labels: [/^(e-?mail )?subject$/i] },
  body: { candidates: ['content', 'body', 'html', 'text'], labels: [/^(content|body|text)$/i] },
  image: { candidates: ['image_url', 'banner_url', 'image', 'img'], labels: [/^(image|banner)( url)?$/i] },
  width: { candidates: ['width'], labels: [/^width$/i] },
  height: { candidates: ['height'], labels: [/^height$/i] },
  landing: { candidates: ['landing_url', 'landing_page', 'url', 'link'], labels: [/^landing page( url)?$/i] },
  dlm,
} satisfies FieldWants<string>;

const promoKinds = [
  [/banner|image/i, 'banner'],
  [/lightbox|pop-?up/i, 'lightbox'],
  [/e-?mail/i, 'email'],
  [/link|text/i, 'link'],
] as const;

/** Landing pages are stored as a path on the site; absolute URLs keep their path and query. */
function landingPath(value: string | null): string {
  if (!value) return '/';
  if (value.startsWith('/')) return value;
  try {
    const u = new URL(value);
    return `${u.pathname}${u.search}` || '/';
  } catch {
    throw new MalformedRecord(`landing page ${JSON.stringify(value)} is neither a path nor a URL`);
  }
}

export const promoToolsSpec: SyncObjectSpec = {
  name: 'promo_tools',
  objectType: ObjectType.PartnerPromotional,
  wants: promoWants,
  prepare(meta) {
    const f = resolveFields(meta, promoWants);
    const kindOf = optionTranslator(f.field('kind'), promoKinds, 'promo tool type');
    return {
      mapping: describeMapping(f),
      dlmField: f.name('dlm'),
      refs: (records) => ({ programs: records.map((r) => optionalIdOrNull(f.raw(r, 'program'))) }),
      async writePage(ctx, records) {
        const rows = mapEach(ctx, records, (r) => {
          const programOid = optionalId(f.raw(r, 'program'), 'program');
          const program = programOid === null ? undefined : ctx.lookups.programs.get(programOid);
          if (programOid !== null && !program) throw new MalformedRecord(`partner program #${programOid} is not synced`);
          return {
            ontraport_id: recordId(r),
            program_id: program?.id ?? null,
            kind: kindOf(f.raw(r, 'kind')),
            name: optionalText(f.raw(r, 'name'), 300) ?? `Promo ${String(r.id)}`,
            subject: optionalText(f.raw(r, 'subject'), 500),
            body: optionalText(f.raw(r, 'body'), 100_000),
            image_url: optionalText(f.raw(r, 'image'), 2000),
            width: optionalInt(f.raw(r, 'width'), 'width') || null,
            height: optionalInt(f.raw(r, 'height'), 'height') || null,
            landing_path: landingPath(optionalText(f.raw(r, 'landing'), 2000)),
            updated_at: optionalTime(f.raw(r, 'dlm'), 'dlm') ?? ctx.marker,
            synced_at: ctx.marker,
          };
        });
        const cols = ['program_id', 'kind', 'name', 'subject', 'body', 'image_url', 'width', 'height', 'landing_path', 'updated_at', 'synced_at'];
        await upsertMirrored(ctx.trx, 'promo_tools', rows, cols);
        return rows.length;
      },
      ...mirrorHelpers('promo_tools'),
    };
  },
};

/** For reference collection: a bad id is reported later by the mapper, not here. */
export function optionalIdOrNull(v: BaseRecord[string]): number | null {
  try {
    return optionalId(v, 'id');
  } catch {
    return null;
  }
}
