/**
 * "Download my data": everything Partnergate holds about a partner, as a zip streamed to the partner (yazl;
 * entries are produced one after another, so memory stays flat whatever the size):
 *   profile.json, settings.json, sessions.json, audit.json, api-keys.json    what identity and the profile hold
 *   contacts.csv, commissions.csv, refunds.csv, payments.csv,
 *   subscriptions.csv, report-by-date.csv                                    the exports, over all time
 *   payouts.csv, clicks.csv                                                  the partner's payouts and clicks
 * The CSVs are the partner's exports (same columns, same formula guard, same masking of customers' emails),
 * with the date range covering everything; the request is the partner's own, scoped by the session.
 */
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import { DateTime } from 'luxon';
import { identityDataOfPartner } from '../accounts/index.js';
import type { DateRange } from '../common/index.js';
import type { GatewayDeps } from '../deps.js';
import { csvStringifier, neutraliseFormula, openCsvExport, type ReportName, type ReportRequest } from '../reports/index.js';
import * as repo from './partner-data.repo.js';

const EXPORTS: ReadonlyArray<{ file: string; report: ReportName; by?: 'date' }> = [
  { file: 'contacts.csv', report: 'contacts' },
  { file: 'commissions.csv', report: 'commissions' },
  { file: 'refunds.csv', report: 'refunds' },
  { file: 'payments.csv', report: 'payments' },
  { file: 'subscriptions.csv', report: 'subscriptions' },
  { file: 'report-by-date.csv', report: 'report', by: 'date' },
];

const json = (v: unknown) => Buffer.from(`${JSON.stringify(v, null, 2)}\n`);
const iso = (ms: number | string | null) => (ms === null ? '' : new Date(Number(ms)).toISOString());

/** From 1990 (before any affiliate record Ontraport could hold) to tomorrow, in the partner's zone: every row. */
function allTime(timeZone: string, now: number): DateRange {
  const from = DateTime.fromObject({ year: 1990, month: 1, day: 1 }, { zone: timeZone });
  const to = DateTime.fromMillis(now, { zone: timeZone }).startOf('day').plus({ days: 1 });
  return { from: from.toISODate()!, to: to.toISODate()!, startMs: from.toMillis(), endMs: to.plus({ days: 1 }).toMillis(), timeZone };
}

async function* rowsOf<T>(stream: AsyncIterable<T>, map: (row: T) => unknown[]): AsyncGenerator<unknown[]> {
  for await (const row of stream) yield map(row);
}

export interface DownloadInput {
  partnerId: number;
  timeZone: string;
  currency: string;
}

/**
 * The zip as a stream. Entries are filled in order; an export waits for the previous one to finish, so the
 * partner holds one export slot at a time. A failure destroys the stream (the download is cut, never a
 * truncated file passed off as whole).
 */
export function partnerDataZip(deps: GatewayDeps, input: DownloadInput): Readable {
  const zip = new ZipFile();
  const db = deps.store.db;
  const now = deps.now();
  const entries: Array<{ name: string; fill: (into: PassThrough) => Promise<void> }> = [];
  const add = (name: string, fill: (into: PassThrough) => Promise<void>) => entries.push({ name, fill });

  add('profile.json', async (into) => {
    const [profile, identity] = await Promise.all([repo.profileRows(db, input.partnerId), identityDataOfPartner(db, input.partnerId)]);
    into.end(json({ exportedAt: iso(now), partner: profile ?? null, accounts: identity.accounts }));
  });
  add('settings.json', async (into) => {
    const [profile, prefs, subIds] = await Promise.all([repo.profileRows(db, input.partnerId), repo.notificationPrefs(db, input.partnerId), repo.subIds(db, input.partnerId)]);
    into.end(json({ timeZone: profile?.time_zone ?? null, alias: profile?.alias ?? null, paypalEmail: profile?.paypal_email ?? null, notifications: prefs ?? 'defaults (every kind on, no digest)', subIds }));
  });
  add('sessions.json', async (into) => {
    into.end(json((await identityDataOfPartner(db, input.partnerId)).sessions));
  });
  add('audit.json', async (into) => {
    into.end(json((await identityDataOfPartner(db, input.partnerId)).audit));
  });
  add('api-keys.json', async (into) => {
    into.end(json((await identityDataOfPartner(db, input.partnerId)).apiKeys));
  });

  for (const e of EXPORTS) {
    add(e.file, async (into) => {
      const request: ReportRequest = {
        report: e.report,
        partnerId: input.partnerId,
        range: allTime(input.timeZone, now),
        currency: input.currency,
        options: { by: e.by, summary: false, bom: false },
      };
      const { body } = await openCsvExport(deps.store, deps.exportSlots, request, { queueMs: deps.config.exportQueueSeconds * 1000 });
      await pipeline(body, into);
    });
  }
  add('payouts.csv', async (into) => {
    const csv = csvStringifier(['payout_id', 'paid_at', 'amount', 'currency', 'method', 'reference', 'source'], { bom: false });
    await pipeline(rowsOf(repo.payoutsStream(db, input.partnerId), (p) => [p.id, iso(p.paid_at), (Number(p.amount_cents) / 100).toFixed(2), p.currency, p.method, neutraliseFormula(p.reference ?? ''), p.source]), csv, into);
  });
  add('clicks.csv', async (into) => {
    const csv = csvStringifier(['click_id', 'visited_at', 'landing_path', 'sub_id', 'promo_tool_id'], { bom: false });
    await pipeline(rowsOf(repo.clicksStream(db, input.partnerId), (v) => [v.id, iso(v.visited_at), neutraliseFormula(v.landing_path), neutraliseFormula(v.sub_id ?? ''), v.promo_tool_id ?? '']), csv, into);
  });

  const streams = entries.map((e) => {
    const into = new PassThrough();
    zip.addReadStream(into, e.name, { mtime: new Date(now) });
    return into;
  });
  zip.end();
  // yazl reads the entries in order: filling entry n+1 only after entry n is done keeps one query at a time.
  void (async () => {
    for (const [i, e] of entries.entries()) await e.fill(streams[i]!);
  })().catch((err: unknown) => (zip.outputStream as Readable).destroy(err as Error));
  return zip.outputStream as Readable;
}
