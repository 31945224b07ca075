/**
 * Which partners a credentials command acts on: named ids, a program, a group, a CSV list, or all of them. Several
 * selectors add up; none at all is a usage error, so a bare command never acts on every partner by surprise. Unknown programs are a usage error; named
 * partners that do not exist come back as rejected rows.
 */
import type { Kysely } from 'kysely';
import { AppError } from '../../common/index.js';
import type { Database } from '../../store/index.js';
import * as repo from './credentials.repo.js';
import type { CredentialRow } from './types.js';
import { resolvePartnerList } from './partner-list.js';

export interface PartnerSelector {
  partnerIds?: number[];
  program?: string;
  group?: string;
  all?: boolean;
  /** A partner list (CSV text) and the name to report its lines by. */
  csv?: { text: string; label: string };
}

export interface SelectionDeps {
  db: Kysely<Database>;
  /** Members of a named group (the blocks capability). */
  groupMembers?: (name: string) => Promise<number[]>;
}

export interface Selection {
  partnerIds: number[];
  rejected: CredentialRow[];
  /** In words, for the report: "partners without credentials", "program Gold"... */
  description: string;
}

export function isEmptySelector(sel: PartnerSelector): boolean {
  return !sel.partnerIds?.length && !sel.program && !sel.group && !sel.all && !sel.csv;
}

export async function selectPartners(deps: SelectionDeps, sel: PartnerSelector): Promise<Selection> {
  if (isEmptySelector(sel)) {
    throw new AppError('request.invalid_field', 'partner: name the partners (--partner, --program, --group, --csv) or pass --all for every partner', { field: 'partner' });
  }
  const ids = new Set<number>();
  const rejected: CredentialRow[] = [];
  const parts: string[] = [];
  if (sel.all) {
    for (const id of await repo.allPartnerIds(deps.db)) ids.add(id);
    parts.push('all partners');
  }
  if (sel.partnerIds?.length) {
    const found = await repo.existingPartnerIds(deps.db, sel.partnerIds);
    for (const id of sel.partnerIds) {
      if (found.has(id)) ids.add(id);
      else rejected.push({ partnerId: id, email: null, outcome: 'failed', reason: `partner ${id} not found` });
    }
    parts.push(`partner ${sel.partnerIds.join(', ')}`);
  }
  if (sel.program) {
    const program = await repo.findProgramByName(deps.db, sel.program);
    if (!program) throw new AppError('request.invalid_field', `program: no partner program named ${JSON.stringify(sel.program)}`, { field: 'program' });
    for (const id of await repo.partnerIdsOfProgram(deps.db, program.id)) ids.add(id);
    parts.push(`program ${program.name}`);
  }
  if (sel.group) {
    if (!deps.groupMembers) throw new AppError('request.invalid_field', 'group: groups are not available in this build', { field: 'group' });
    for (const id of await deps.groupMembers(sel.group)) ids.add(id);
    parts.push(`group ${sel.group}`);
  }
  if (sel.csv) {
    const list = await resolvePartnerList(deps.db, sel.csv.text, sel.csv.label);
    for (const id of list.partnerIds) ids.add(id);
    rejected.push(...list.rejected);
    parts.push(`${list.lines} lines of ${sel.csv.label}`);
  }
  return { partnerIds: [...ids].sort((a, b) => a - b), rejected, description: parts.join(' + ') };
}
