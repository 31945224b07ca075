/**
 * Partner lists an admin hands the CLI as CSV (`--csv FILE`): one partner per line, found by `partner_id`,
 * by Ontraport `contact_id` (the referral code) or by `email`. Each line that cannot be used (bad email,
 * duplicate line, partner not found among those synced from Ontraport, id and email that disagree) comes back
 * with its line number and a reason; the usable lines go on.
 *
 * The parser is a small RFC 4180 reader (quotes, doubled quotes, CRLF), because csv-parse is only a dev
 * dependency and partner lists are small.
 */
import { readFileSync } from 'node:fs';
import { AppError } from '../../common/index.js';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/index.js';
import * as repo from './credentials.repo.js';
import { checkEmail } from '../email.js';
import type { CredentialRow } from './types.js';

export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const s = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (quoted) {
      if (ch === '"' && s[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && s[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (quoted) throw new AppError('request.invalid_field', 'csv: a quoted field is not closed', { field: 'csv' });
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((f) => f.trim() !== ''));
}

const COLUMNS = {
  partner_id: ['partner_id', 'partner'],
  contact_id: ['contact_id', 'ontraport_id', 'referral_code', 'orid'],
  email: ['email', 'e-mail', 'email_address'],
} as const;

export interface PartnerListResult {
  partnerIds: number[];
  rejected: CredentialRow[];
  lines: number;
}

/** Resolves a partner list (CSV text) against the partners in the store. */
export async function resolvePartnerList(db: Kysely<Database>, csvText: string, label = 'csv'): Promise<PartnerListResult> {
  const table = parseCsv(csvText);
  if (table.length === 0) throw new AppError('request.invalid_field', `${label}: the file is empty`, { field: 'csv' });
  const header = table[0].map((h) => h.trim().toLowerCase());
  const col = (names: readonly string[]) => header.findIndex((h) => names.includes(h));
  const at = { partner_id: col(COLUMNS.partner_id), contact_id: col(COLUMNS.contact_id), email: col(COLUMNS.email) };
  if (at.partner_id < 0 && at.contact_id < 0 && at.email < 0) {
    throw new AppError('request.invalid_field', `${label}: the first line must name a column partner_id, contact_id or email (got ${header.join(', ')})`, { field: 'csv' });
  }
  const lookups = await repo.partnerLookups(db);
  const known = await repo.existingPartnerIds(db, table.slice(1).map((r) => Number(r[at.partner_id])).filter((n) => Number.isSafeInteger(n) && n > 0));
  const emailOf = new Map<number, string>();
  for (const [email, ids] of lookups.byEmail) for (const id of ids) emailOf.set(id, email);

  const partnerIds: number[] = [];
  const rejected: CredentialRow[] = [];
  const seenPartner = new Map<number, number>();
  const seenEmail = new Map<string, number>();
  for (let i = 1; i < table.length; i++) {
    const line = i + 1;
    const cell = (k: keyof typeof at) => (at[k] >= 0 ? (table[i][at[k]] ?? '').trim() : '');
    const source = `${label} line ${line}`;
    const rawEmail = cell('email');
    const reject = (reason: string, partnerId: number | null = null) => rejected.push({ partnerId, source, email: rawEmail || null, outcome: 'failed', reason });
    let email: string | undefined;
    if (rawEmail) {
      const check = checkEmail(rawEmail);
      if (!check.ok) {
        reject(check.reason);
        continue;
      }
      email = check.email;
      const first = seenEmail.get(email);
      if (first !== undefined) {
        reject(`duplicate: email ${email} is already on line ${first}`);
        continue;
      }
      seenEmail.set(email, line);
    }
    let partnerId: number | undefined;
    if (cell('partner_id')) {
      const id = Number(cell('partner_id'));
      if (!Number.isSafeInteger(id) || id <= 0) {
        reject(`partner_id ${JSON.stringify(cell('partner_id'))} is not a number`);
        continue;
      }
      if (!known.has(id)) {
        reject(`partner ${id} not found among the partners synced from Ontraport`);
        continue;
      }
      partnerId = id;
    } else if (cell('contact_id')) {
      partnerId = lookups.byReferralCode.get(cell('contact_id'));
      if (partnerId === undefined) {
        reject(`Ontraport contact ${cell('contact_id')} is not a partner synced from Ontraport`);
        continue;
      }
    } else if (email) {
      const ids = lookups.byEmail.get(email) ?? [];
      if (ids.length === 0) {
        reject(`no partner with email ${email} in Ontraport (synced partners)`);
        continue;
      }
      if (ids.length > 1) {
        reject(`email ${email} is shared by partners ${ids.join(', ')}: name the partner_id instead`);
        continue;
      }
      partnerId = ids[0];
    } else {
      reject('the line names no partner_id, contact_id or email');
      continue;
    }
    if (email && emailOf.get(partnerId) !== email) {
      reject(`email ${email} does not match partner ${partnerId}'s email in Ontraport (${emailOf.get(partnerId) ?? 'none'})`, partnerId);
      continue;
    }
    const first = seenPartner.get(partnerId);
    if (first !== undefined) {
      reject(`duplicate: partner ${partnerId} is already on line ${first}`, partnerId);
      continue;
    }
    seenPartner.set(partnerId, line);
    partnerIds.push(partnerId);
  }
  return { partnerIds, rejected, lines: table.length - 1 };
}

export function readPartnerListFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new AppError('request.invalid_field', `csv: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { field: 'csv' });
  }
}
