/**
 * What the migration tests run with: a configuration like a deployer's (Ontraport at the emulator, SMTP at the
 * sink), the gateway's views and mail transport, and a state snapshot that compares two runs by natural keys
 * (Ontraport contact ids, emails), since store ids differ between a fresh run and a resumed one.
 */
import { sql } from 'kysely';
import { ontraportImporter } from '../../../src/admin/index.js';
import { createLogger } from '../../../src/common/index.js';
import { loadConfig, type Config } from '../../../src/config/index.js';
import { createMailTransport } from '../../../src/mail/index.js';
import type { Store, StoreConfig } from '../../../src/store/index.js';
import { createViews } from '../../../src/views/index.js';
import type { MigrationDeps } from '../../../migration/index.js';
import type { OntraportEmulator } from '../../support/ontraport-emulator.js';
import type { SmtpSink } from '../../support/smtp-sink.js';

export function migrationConfig(emulator: OntraportEmulator, sink: SmtpSink, extra: Record<string, string> = {}): Config {
  return loadConfig({
    PARTNERGATE_ENV: 'test',
    PARTNERGATE_LOG_LEVEL: process.env.PARTNERGATE_TEST_LOG_LEVEL ?? 'silent',
    PARTNERGATE_DEMO_DATA: 'off',
    PARTNERGATE_PUBLIC_URL: 'https://partners.example.test',
    PARTNERGATE_SMTP_URL: sink.url,
    PARTNERGATE_MAIL_FROM: 'Acme Partners <partners@example.test>',
    PARTNERGATE_BRAND_NAME: 'Acme Partners',
    PARTNERGATE_ONTRAPORT_BASE_URL: emulator.baseUrl,
    PARTNERGATE_ONTRAPORT_APP_ID: emulator.appId,
    PARTNERGATE_ONTRAPORT_API_KEY: emulator.apiKey,
    PARTNERGATE_ONTRAPORT_RATE_PER_MINUTE: '100000',
    // Two claims of two: a crash mid-drain leaves at most four emails that may have arrived (the crash tests count them).
    PARTNERGATE_MAIL_DRAIN_BATCH: '2',
    ...extra,
  });
}

/** The environment of a CLI process run by a test (a child process): store, SMTP sink and Ontraport emulator. */
export function cliEnv(store: StoreConfig, smtpUrl: string, emulator: Pick<OntraportEmulator, 'baseUrl' | 'appId' | 'apiKey'>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    PARTNERGATE_ENV: 'test',
    PARTNERGATE_LOG_LEVEL: 'silent',
    ...(store.kind === 'sqlite' ? { PARTNERGATE_SQLITE_PATH: store.path } : { DATABASE_URL: store.url }),
    PARTNERGATE_PUBLIC_URL: 'https://partners.example.test',
    PARTNERGATE_SMTP_URL: smtpUrl,
    PARTNERGATE_ONTRAPORT_BASE_URL: emulator.baseUrl,
    PARTNERGATE_ONTRAPORT_APP_ID: emulator.appId,
    PARTNERGATE_ONTRAPORT_API_KEY: emulator.apiKey,
    PARTNERGATE_ONTRAPORT_RATE_PER_MINUTE: '100000',
    // Two claims of two: a kill mid-drain leaves at most four emails that may have arrived.
    PARTNERGATE_MAIL_DRAIN_BATCH: '2',
  };
}

export function migrationDeps(store: Store, config: Config, extra: Partial<MigrationDeps> = {}): MigrationDeps & { close(): void } {
  const logger = createLogger(config.logLevel);
  const mail = createMailTransport({ smtpUrl: config.smtpUrl, from: config.mailFrom, logger });
  return {
    store,
    config,
    views: createViews({ brand: { name: config.brandName, primaryColor: config.brandPrimaryColor } }),
    mail,
    logger,
    canSend: true,
    importPartners: ontraportImporter({ store, config, logger }),
    ...extra,
    close: () => mail.close(),
  };
}

/** Seeds the emulator with partners as Ontraport holds them; returns their contact ids by email. */
export function seedOntraport(emulator: OntraportEmulator, partners: Array<{ email: string; paypal?: string | null; sid?: string[]; status?: '0' | '1' }>): Map<string, number> {
  const program = emulator.insert(35, { name: 'Affiliates', currency: 'USD', commission_rate: '10', level2_rate: '0' });
  const product = emulator.insert(16, { name: 'Course', price: '100.00' });
  const out = new Map<string, number>();
  let n = 0;
  for (const p of partners) {
    n++;
    const contact = emulator.insert(0, { firstname: `First${n}`, lastname: `Last${n}`, email: p.email, freferrer: 0, lreferrer: 0, program_id: program.id, aff_paypal: p.paypal ?? null });
    emulator.insert(36, { contact_id: contact.id, program_id: program.id, status: p.status ?? '1' });
    out.set(p.email, Number(contact.id));
    for (const sid of p.sid ?? []) {
      const buyer = emulator.insert(0, { firstname: 'Buyer', lastname: String(n), email: `buyer-${n}-${sid}@example.org`, freferrer: contact.id, lreferrer: contact.id, program_id: 0 });
      const purchase = emulator.insert(17, { contact_id: buyer.id, product_id: product.id, affiliate_id: contact.id, oprid: contact.id, price: '100.00', quantity: 1, total_price: '100.00', status: '1', order_id: 1000 + n, subscription_id: 0, level1: '10.00', level2: '0.00' });
      emulator.insert(38, { partner_id: contact.id, contact_id: buyer.id, program_id: program.id, product_id: product.id, purchase_id: purchase.id, promo_id: 0, sid, type: '0', status: '1', amount: '10.00', currency: 'USD', date_processed: 0, date_paid: 0 });
    }
  }
  return out;
}

const T = (name: string) => sql.table(name);

/** The migration's result, comparable between runs: no store ids, no times. */
export async function stateOf(store: Store): Promise<Record<string, unknown>> {
  const db = store.db;
  const code = new Map((await db.selectFrom('partners').select(['id', 'referral_code']).execute()).map((r) => [r.id, r.referral_code]));
  const accounts = await db.selectFrom('accounts').select(['id', 'partner_id', 'email', 'disabled_at', 'password_hash', 'credentials_version']).execute();
  const accountCode = new Map(accounts.map((a) => [a.id, code.get(a.partner_id ?? -1) ?? `admin:${a.email}`]));
  const live = await db.selectFrom('one_time_tokens').select(['account_id']).where('purpose', '=', 'set_password').where('used_at', 'is', null).execute();
  const outbox = await db.selectFrom('email_outbox').select(['idempotency_key', 'to_address', 'template', 'status']).execute();
  const journal = await db.selectFrom('migration_journal').select(['situation', 'step', 'item_key', 'status']).execute();
  const itemOf = (item: string) => item.replace(/^partner:(\d+)$/, (_m, id) => `partner:${code.get(Number(id))}`);
  const kv = await db.selectFrom('kv').select(['key', 'value_json']).where('key', 'like', 'partner_center.%').execute();
  const sorted = <X>(xs: X[]) => xs.map((x) => JSON.stringify(x)).sort();
  const subIds = await db.selectFrom('partner_sub_ids').select(['partner_id', 'sub_id', 'source']).execute();
  const legacy = await sql<{ wp_user_id: number; partner_id: number | null; match_status: string }>`select wp_user_id, partner_id, match_status from ${T('legacy_wp_users')}`.execute(db);
  const partners = await db.selectFrom('partners').select(['referral_code', 'paypal_email', 'status']).execute();
  return {
    partners: sorted(partners),
    accounts: sorted(accounts.map((a) => ({ partner: code.get(a.partner_id ?? -1), email: a.email, disabled: a.disabled_at !== null, password: a.password_hash !== null, version: a.credentials_version }))),
    liveLinks: sorted(live.map((t) => accountCode.get(t.account_id ?? -1))),
    outbox: sorted(outbox.map((o) => ({ to: o.to_address, template: o.template, status: o.status, version: o.idempotency_key.replace(/^credentials:account:\d+:/, '') }))),
    journal: sorted(journal.map((j) => ({ situation: j.situation, step: j.step, item: itemOf(j.item_key), status: j.status }))),
    kv: sorted(kv.map((k) => ({ key: k.key, value: { ...JSON.parse(k.value_json), createdAt: undefined } }))),
    subIds: sorted(subIds.map((s) => ({ partner: code.get(s.partner_id), subId: s.sub_id, source: s.source }))),
    legacy: sorted(legacy.rows.map((l) => ({ wp: l.wp_user_id, partner: l.partner_id === null ? null : code.get(l.partner_id), status: l.match_status }))),
  };
}

/** Recipients that received more than one message. */
export function duplicates(sink: { messages: ReadonlyArray<{ to: string[] }> }): string[] {
  const seen = new Map<string, number>();
  for (const m of sink.messages) for (const to of m.to) seen.set(to, (seen.get(to) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([to]) => to);
}

/** A small deterministic PRNG for choosing crash points (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
