/**
 * Helpers for partner center page tests: the seeded partner center behind a gateway, a signed-in GET, table cells of a page, and expected figures computed
 * straight from the fixture rows (plain filters, no code under test).
 */
import request from 'supertest';
import type { Store } from '../../src/store/index.js';
import { signInAs, startTestGateway, type TestGateway } from '../support/gateway.js';
import { FIXED_NOW, seedPartnerCenter, type CommissionRow, type Fixture } from './fixture.js';

/** The fixture seeded, a gateway on its clock (FIXED_NOW) with `env`, and partner A signed in. */
export async function openPartnerCenter(store: Store, env: Record<string, string> = {}): Promise<{ tg: TestGateway; fx: Fixture; cookie: string }> {
  const fx = await seedPartnerCenter(store);
  const tg = await startTestGateway(store, env, { now: () => FIXED_NOW });
  return { tg, fx, cookie: (await signInAs(tg, fx.a.id)).cookie };
}

export async function getPage(tg: TestGateway, cookie: string, path: string) {
  return request(tg.url).get(path).set('Cookie', cookie).redirects(0);
}

/** Cell texts of every body row of the n-th table on the page. */
export function tableRows(html: string, n = 0): string[][] {
  const tbody = [...html.matchAll(/<tbody>([\s\S]*?)<\/tbody>/g)][n]?.[1];
  if (tbody === undefined) throw new Error(`no table ${n}`);
  return [...tbody.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)]
    .map((r) => [...r[1]!.matchAll(/<t[dh][^>]*>([\s\S]*?)<\/t[dh]>/g)].map((c) => decode(c[1]!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim())))
    .filter((cells) => !(cells.length === 1 && /^No /.test(cells[0]!)));
}

export function decode(s: string): string {
  return s.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#x27;|&#39;/g, "'").replace(/&#x3D;/g, '=').replace(/&#x60;/g, '`');
}

/** The flash message at the top of the page, if any. */
export function flash(html: string): string | undefined {
  const m = /<div class="flash flash-(ok|error)"[^>]*>([\s\S]*?)<\/div>/.exec(html);
  return m ? decode(m[2]!.trim()) : undefined;
}

/** Midnight of a local date in New York as UTC ms (EST before 8 March 2026, EDT from then to 1 November). */
export function nyMidnight(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const dst = Date.UTC(y, m - 1, d) >= Date.UTC(2026, 2, 8) && Date.UTC(y, m - 1, d) < Date.UTC(2026, 10, 1);
  return Date.UTC(y, m - 1, d, dst ? 4 : 5);
}

export const within = (ms: number | null, start: number, end: number) => ms !== null && ms >= start && ms < end;
export const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
export const isEarned = (c: CommissionRow) => (c.kind === 'sale' || c.kind === 'clawback') && (c.status === 'approved' || c.status === 'paid');

export function of(fx: Fixture, partnerId: number) {
  return {
    commissions: fx.commissions.filter((c) => c.partner_id === partnerId),
    visits: fx.visits.filter((v) => v.partner_id === partnerId),
    payouts: fx.payouts.filter((p) => p.partner_id === partnerId),
    leads: fx.contacts.filter((c) => c.first === partnerId),
  };
}

/** Activity of a partner over `[start, end)` as the domain defines it. */
export function activity(fx: Fixture, partnerId: number, start: number, end: number) {
  const p = of(fx, partnerId);
  const inRange = p.commissions.filter((c) => within(c.transaction_at, start, end));
  const clicks = p.visits.filter((v) => within(v.visited_at, start, end)).length;
  const sales = inRange.filter((c) => c.kind === 'sale' && c.status !== 'declined').length;
  return {
    clicks,
    leads: p.leads.filter((c) => within(c.added_at, start, end)).length,
    sales,
    earned: sum(inRange.filter(isEarned).map((c) => c.amount_cents)),
    pending: sum(inRange.filter((c) => c.status === 'pending').map((c) => c.amount_cents)),
  };
}
