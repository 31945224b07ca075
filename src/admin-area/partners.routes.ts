/**
 * `/partners`: search and filter partners (status, program, tier, last sign-in, balance), and
 * `/partners/:id`: one partner's profile, accounts, commissions and recent audit rows, with "view as partner".
 */
import { Router } from 'express';
import { AppError } from '../common/index.js';
import type { GatewayDeps } from '../deps.js';
import { accountsOfPartner, lastSignIns, listAudit } from '../accounts/index.js';
import { ADMIN_BASE, pageNumber, positiveInt, queryChoice, queryField, render } from './http.js';
import * as repo from './partners.repo.js';

const PAGE_SIZE = 25;

const nameOf = (r: { first_name: string | null; last_name: string | null }) => [r.first_name, r.last_name].filter(Boolean).join(' ') || '(no name)';
const tierOf = (r: { tier_group: string | null; level_order: number | null }) => (r.tier_group ? `${r.tier_group} · level ${r.level_order ?? 0}` : '—');

/** Query string of the list's filters (and page), for links that keep them. */
function listHref(f: { q?: string; status?: string; program?: number }, page?: number): string {
  const p = new URLSearchParams();
  if (f.q) p.set('q', f.q);
  if (f.status) p.set('status', f.status);
  if (f.program !== undefined) p.set('program', String(f.program));
  if (page && page > 1) p.set('page', String(page));
  const s = p.toString();
  return `${ADMIN_BASE}/partners${s ? `?${s}` : ''}`;
}

export function partnersRoutes(deps: GatewayDeps): Router {
  const router = Router();
  const { db } = deps.store;

  router.get('/partners', async (req, res) => {
    const q = queryField(req, 'q');
    const status = queryChoice(req, 'status', ['any', 'active', 'inactive'] as const, 'any');
    const programText = queryField(req, 'program', 12);
    const program = programText === undefined ? undefined : positiveInt(programText, 'program');
    const page = pageNumber(req);
    const filter = { q, status: status === 'any' ? undefined : status, programId: program };
    const rows = await repo.listPartners(db, filter, { offset: (page - 1) * PAGE_SIZE, size: PAGE_SIZE });
    const shown = rows.slice(0, PAGE_SIZE);
    const ids = shown.map((r) => r.id);
    const [signIns, owed, programs] = await Promise.all([lastSignIns(db, ids), repo.balances(db, ids), repo.listPrograms(db)]);
    const links = { q, status: filter.status, program };
    render(deps, req, res, 'partners', 'partners', {
      title: 'Partners',
      q,
      statuses: ['any', 'active', 'inactive'].map((s) => ({ value: s, selected: s === status })),
      programs: programs.map((g) => ({ id: g.id, name: g.name, selected: g.id === program })),
      rows: shown.map((r) => ({
        id: r.id,
        href: `${ADMIN_BASE}/partners/${r.id}`,
        name: nameOf(r),
        email: r.email,
        referralCode: r.referral_code,
        status: r.status,
        program: r.program_name ?? '—',
        tier: tierOf(r),
        lastSignIn: signIns.get(r.id),
        balanceCents: owed.get(r.id) ?? 0,
        currency: r.currency ?? deps.config.defaultCurrency,
      })),
      pager: {
        page,
        prevHref: page > 1 ? listHref(links, page - 1) : undefined,
        nextHref: rows.length > PAGE_SIZE ? listHref(links, page + 1) : undefined,
      },
    });
  });

  router.get('/partners/:id', async (req, res) => {
    const id = positiveInt(req.params.id, 'id');
    const p = await repo.findPartnerDetail(db, id);
    if (!p) throw new AppError('not_found', `There is no partner ${id}.`);
    const [accounts, commissions, signIns, owed, audit] = await Promise.all([
      accountsOfPartner(db, id),
      repo.commissionCounts(db, id),
      lastSignIns(db, [id]),
      repo.balances(db, [id]),
      listAudit(db, { partnerId: id }, { offset: 0, size: 20 }),
    ]);
    render(deps, req, res, 'partner', 'partners', {
      title: `Partner ${nameOf(p)}`,
      partner: { ...p, name: nameOf(p), tier: tierOf(p), currency: p.currency ?? deps.config.defaultCurrency },
      accounts,
      commissions,
      lastSignIn: signIns.get(id),
      balanceCents: owed.get(id) ?? 0,
      audit: audit.slice(0, 20),
      auditHref: `${ADMIN_BASE}/audit?partner=${id}`,
      viewAsAction: `${ADMIN_BASE}/partners/${id}/view-as`,
      eraseAction: `${ADMIN_BASE}/partners/${id}/erase`,
    });
  });

  return router;
}
