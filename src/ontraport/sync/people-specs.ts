/**
 * Contacts (0) and partners (36).
 * - A contact's `freferrer` / `lreferrer` are partner contact ids; they are kept as received and translated
 *   to partner ids (a referrer whose partner row arrives later is translated after the pass).
 * - A contact with a `program_id` is a partner: the contacts pass creates or updates its partner row (program,
 *   PayPal address `aff_paypal`); the partners pass (object 36, field names *unconfirmed*) confirms the
 *   program and status and, on a full run, marks partners Ontraport no longer lists as inactive (partners are
 *   never deleted: accounts, payouts and commissions point to them).
 * - A write-back still queued in the outbox (e.g. a new PayPal address) wins over the value read from
 *   Ontraport until it has been sent, so the sync does not undo a partner's change.
 * - An erased partner (a `partner_erasures` row for the contact, written by src/data-rights) keeps its erased
 *   name, email, PayPal address and inactive status whatever Ontraport still holds: the sync never brings the
 *   personal data back. Referrer links and amounts still sync.
 */
import { sql } from 'kysely';
import { gt, or } from '../conditions.js';
import { ObjectType, type BaseRecord } from '../types.js';
import { pendingOutboxFields } from '../outbox/repository.js';
import { mapEach, mirrorHelpers, optionalIdOrNull } from './catalog-specs.js';
import { MalformedRecord, optionalId, optionalText, optionalTime, optionTranslator, describeMapping, recordId, requiredId, resolveFields, SchemaMismatch } from './fields.js';
import { upsertMirrored } from './mirror-repository.js';
import type { PageContext, PreparedSpec, SyncObjectSpec } from './types.js';
import type { Db } from '../../store/index.js';

interface PartnerUpsert {
  contactOntraportId: number;
  contactId: number;
  programId: number;
  paypal?: string | null;
  status?: 'active' | 'inactive';
  createdAt: number;
  updatedAt: number;
  seenMarker?: number;
}

/** Of these Ontraport contact ids, the ones whose partner was erased. */
async function erasedContactOids(db: Db, oids: readonly number[]): Promise<Set<number>> {
  if (!oids.length) return new Set();
  const rows = await db.selectFrom('partner_erasures').select('contact_ontraport_id').where('contact_ontraport_id', 'in', [...oids]).execute();
  return new Set(rows.map((r) => Number(r.contact_ontraport_id)));
}

/** What an erased partner's contact reads as: src/data-rights writes it, the sync keeps it. */
export const ERASED_CONTACT = { first_name: 'Erased', last_name: 'partner', email: null } as const;

/** Upserts partner rows by referral code, keeping local values of fields with a queued write-back. */
async function upsertPartners(trx: Db, rows: PartnerUpsert[]): Promise<void> {
  if (!rows.length) return;
  const erased = await erasedContactOids(trx, rows.map((r) => r.contactOntraportId));
  const pending = await pendingOutboxFields(trx, ObjectType.Contact, rows.map((r) => r.contactOntraportId));
  const codes = rows.map((r) => String(r.contactOntraportId));
  const current = new Map((await trx.selectFrom('partners').select(['referral_code', 'program_id', 'paypal_email']).where('referral_code', 'in', codes).execute()).map((p) => [p.referral_code, p]));
  for (const r of rows) {
    const local = current.get(String(r.contactOntraportId));
    const queued = pending.get(r.contactOntraportId);
    const paypalPending = queued?.has('aff_paypal') && local;
    const programPending = queued?.has('program_id') && local;
    const set: Record<string, unknown> = { updated_at: r.updatedAt };
    if (r.paypal !== undefined && !paypalPending) set.paypal_email = r.paypal;
    if (!programPending) set.program_id = r.programId;
    if (r.status) set.status = r.status;
    if (erased.has(r.contactOntraportId)) {
      delete set.paypal_email;
      delete set.status;
    }
    if (r.seenMarker !== undefined) set.synced_at = r.seenMarker;
    await trx
      .insertInto('partners')
      .values({
        contact_id: r.contactId,
        referral_code: String(r.contactOntraportId),
        program_id: r.programId,
        paypal_email: r.paypal ?? null,
        status: r.status ?? 'active',
        time_zone: null,
        alias: null,
        created_at: r.createdAt,
        updated_at: r.updatedAt,
        synced_at: r.seenMarker ?? null,
      })
      .onConflict((oc) => oc.column('referral_code').doUpdateSet(set))
      .execute();
  }
}

const contactWants = {
  firstname: { candidates: ['firstname'] },
  lastname: { candidates: ['lastname'] },
  email: { candidates: ['email'] },
  freferrer: { candidates: ['freferrer'] },
  lreferrer: { candidates: ['lreferrer'] },
  program: { candidates: ['program_id'] },
  paypal: { candidates: ['aff_paypal'] },
  added: { candidates: ['date'] },
  dlm: { candidates: ['dlm'], required: true },
};

export const contactsSpec: SyncObjectSpec = {
  name: 'contacts',
  objectType: ObjectType.Contact,
  wants: contactWants,
  prepare(meta, options) {
    const f = resolveFields(meta, contactWants);
    const scopeParts = (['freferrer', 'lreferrer', 'program'] as const).filter((k) => f.has(k)).map((k) => gt(f.name(k), 0));
    if (options.contactScope === 'referred' && !scopeParts.length) throw new SchemaMismatch('contacts have no referrer or program fields to scope on');
    const spec: PreparedSpec = {
      scope: options.contactScope === 'referred' ? or(...scopeParts) : undefined,
      mapping: describeMapping(f),
      dlmField: f.name('dlm'),
      refs: (records) => ({
        partners: records.flatMap((r) => [optionalIdOrNull(f.raw(r, 'freferrer')), optionalIdOrNull(f.raw(r, 'lreferrer'))]),
        programs: records.map((r) => optionalIdOrNull(f.raw(r, 'program'))),
      }),
      async writePage(ctx, records) {
        const partnerOf = (oid: number | null) => (oid === null ? null : (ctx.lookups.partners.get(oid)?.id ?? null));
        const wantPartner: Array<{ record: BaseRecord; programOid: number; paypal?: string | null; added: number; updated: number }> = [];
        const rows = mapEach(ctx, records, (r) => {
          const first = optionalId(f.raw(r, 'freferrer'), 'freferrer');
          const last = optionalId(f.raw(r, 'lreferrer'), 'lreferrer');
          const updated = optionalTime(f.raw(r, 'dlm'), 'dlm') ?? ctx.marker;
          const added = optionalTime(f.raw(r, 'added'), 'date') ?? updated;
          const programOid = optionalId(f.raw(r, 'program'), 'program_id');
          const email = optionalText(f.raw(r, 'email'), 320);
          if (email !== null && !email.includes('@')) throw new MalformedRecord(`email ${JSON.stringify(email)} is not an email address`);
          const paypal = f.has('paypal') ? optionalText(f.raw(r, 'paypal'), 320) : undefined;
          const row = {
            ontraport_id: recordId(r),
            first_name: optionalText(f.raw(r, 'firstname'), 200) ?? '',
            last_name: optionalText(f.raw(r, 'lastname'), 200) ?? '',
            email,
            first_referrer_ontraport_id: first,
            last_referrer_ontraport_id: last,
            first_referrer_id: partnerOf(first),
            last_referrer_id: partnerOf(last),
            added_at: added,
            updated_at: updated,
            synced_at: ctx.marker,
          };
          if (programOid !== null) wantPartner.push({ record: r, programOid, paypal, added, updated });
          return row;
        });
        const erased = await erasedContactOids(ctx.trx, rows.map((r) => r.ontraport_id));
        for (const row of rows) if (erased.has(row.ontraport_id)) Object.assign(row, ERASED_CONTACT);
        const cols = ['first_name', 'last_name', 'email', 'first_referrer_ontraport_id', 'last_referrer_ontraport_id', 'first_referrer_id', 'last_referrer_id', 'added_at', 'updated_at', 'synced_at'];
        await upsertMirrored(ctx.trx, 'contacts', rows, cols);
        await upsertPartnersFromContacts(ctx, wantPartner);
        return rows.length;
      },
      ...mirrorHelpers('contacts'),
      afterPass: resolveReferrers,
    };
    return spec;
  },
};

async function upsertPartnersFromContacts(ctx: PageContext, wanted: Array<{ record: BaseRecord; programOid: number; paypal?: string | null; added: number; updated: number }>): Promise<void> {
  if (!wanted.length) return;
  const oids = wanted.map((w) => recordId(w.record));
  const contactIds = new Map((await ctx.trx.selectFrom('contacts').select(['id', 'ontraport_id']).where('ontraport_id', 'in', oids).execute()).map((c) => [Number(c.ontraport_id), c.id]));
  const rows: PartnerUpsert[] = [];
  for (const w of wanted) {
    const program = ctx.lookups.programs.get(w.programOid);
    const contactOid = recordId(w.record);
    if (!program) {
      ctx.skip(w.record, `partner program #${w.programOid} is not synced (contact stored, partner row not)`);
      continue;
    }
    rows.push({ contactOntraportId: contactOid, contactId: contactIds.get(contactOid)!, programId: program.id, paypal: w.paypal, createdAt: w.added, updatedAt: w.updated });
  }
  await upsertPartners(ctx.trx, rows);
}

/** Referrers whose partner row arrived after the contact: translate them now. */
export async function resolveReferrers(db: Db): Promise<void> {
  for (const [id, raw] of [['first_referrer_id', 'first_referrer_ontraport_id'], ['last_referrer_id', 'last_referrer_ontraport_id']] as const) {
    const partnerId = sql`(select p.id from partners p where p.referral_code = cast(contacts.${sql.raw(raw)} as text))`;
    await sql`update contacts set ${sql.raw(id)} = ${partnerId}
      where ${sql.raw(id)} is null and ${sql.raw(raw)} is not null and ${partnerId} is not null`.execute(db);
  }
}

const partnerWants = {
  contact: { candidates: ['contact_id', 'partner_contact_id'], labels: [/^(partner )?contact( id)?$/i], required: true },
  program: { candidates: ['program_id', 'partnerprogram_id', 'partner_program_id', 'program'], labels: [/^(partner )?program( id)?$/i], required: true },
  status: { candidates: ['status', 'partner_status'], labels: [/^(partner )?status$/i] },
  added: { candidates: ['date', 'date_added'] },
  dlm: { candidates: ['dlm'], required: true },
};

const partnerStatuses = [
  [/inactiv|disabl|suspend|cancel|denied|reject|pending|declin|paused/i, 'inactive'],
  [/activ|approv|enabl|^1$/i, 'active'],
] as const;

export const partnersSpec: SyncObjectSpec = {
  name: 'partners',
  objectType: ObjectType.Partner,
  wants: partnerWants,
  prepare(meta) {
    const f = resolveFields(meta, partnerWants);
    const statusOf = f.has('status') ? optionTranslator(f.field('status'), partnerStatuses, 'partner status') : () => 'active' as const;
    const contactOid = (r: BaseRecord) => requiredId(f.raw(r, 'contact'), 'contact');
    return {
      mapping: describeMapping(f),
      dlmField: f.name('dlm'),
      refs: (records) => ({ contacts: records.map((r) => optionalIdOrNull(f.raw(r, 'contact'))), programs: records.map((r) => optionalIdOrNull(f.raw(r, 'program'))) }),
      async writePage(ctx, records) {
        const rows = mapEach(ctx, records, (r): PartnerUpsert => {
          const oid = contactOid(r);
          const contactId = ctx.lookups.contacts.get(oid);
          if (contactId === undefined) throw new MalformedRecord(`contact #${oid} is not synced`);
          const programOid = requiredId(f.raw(r, 'program'), 'program');
          const program = ctx.lookups.programs.get(programOid);
          if (!program) throw new MalformedRecord(`partner program #${programOid} is not synced`);
          const updated = optionalTime(f.raw(r, 'dlm'), 'dlm') ?? ctx.marker;
          return { contactOntraportId: oid, contactId, programId: program.id, status: statusOf(f.raw(r, 'status')), createdAt: optionalTime(f.raw(r, 'added'), 'date') ?? updated, updatedAt: updated, seenMarker: ctx.marker };
        });
        await upsertPartners(ctx.trx, rows);
        return rows.length;
      },
      async touchSeen(trx, records, marker) {
        const codes = records.map((r) => optionalIdOrNull(f.raw(r, 'contact'))).filter((id): id is number => id !== null).map(String);
        if (codes.length) await trx.updateTable('partners').set({ synced_at: marker }).where('referral_code', 'in', codes).execute();
      },
      async countUnseen(db, marker) {
        const r = await sql<{ total: number | string; unseen: number | string }>`
          select count(*) as total, sum(case when synced_at is null or synced_at < ${marker} then 1 else 0 end) as unseen
          from partners where status = 'active' and contact_id in (select id from contacts where ontraport_id is not null)`.execute(db);
        return { total: Number(r.rows[0]?.total ?? 0), unseen: Number(r.rows[0]?.unseen ?? 0) };
      },
      async removeUnseen(db, marker) {
        const r = await sql`update partners set status = 'inactive'
          where status = 'active' and (synced_at is null or synced_at < ${marker})
            and contact_id in (select id from contacts where ontraport_id is not null)`.execute(db);
        const n = Number(r.numAffectedRows ?? 0n);
        return { removed: n, kept: 0, note: n ? `${n} partners no longer listed by Ontraport were marked inactive` : undefined };
      },
      afterPass: resolveReferrers,
    };
  },
};
