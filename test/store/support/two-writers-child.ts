/**
 * Run twice at once by two-processes.test.ts on one SQLite file: each process, as a gateway worker would, adds
 * commissions and sessions-like rows on its own connection and rebuilds the ranking snapshots (full rebuilds in
 * the store's worker thread, partial ones on the main connection), `rounds` times. Prints what it did as JSON;
 * any error (SQLITE_BUSY, a deadlock broken by a timeout, corruption) exits 1.
 */
import { refreshRankings } from '../../../src/blocks/index.js';
import { openStore, setKv } from '../../../src/store/index.js';

const [file, name, roundsArg] = process.argv.slice(2) as [string, string, string];
const store = await openStore({ kind: 'sqlite', path: file });
const deps = { store, config: { defaultTimeZone: 'UTC' } };
let built = 0;
let patched = 0;
try {
  const partners = (await store.db.selectFrom('partners').select(['id', 'contact_id']).orderBy('id').execute()).map((p) => p);
  const product = await store.db.selectFrom('products').select('id').executeTakeFirstOrThrow();
  for (let round = 0; round < Number(roundsArg); round++) {
    const partner = partners[(round * 7 + name.length) % partners.length]!;
    const now = Date.now();
    await store.db
      .insertInto('commissions')
      .values({ partner_id: partner.id, contact_id: partner.contact_id, product_id: product.id, promo_tool_id: null, sub_id: null, kind: 'sale', status: 'approved', amount_cents: 1000 + round, currency: 'USD', transaction_at: now, processed_at: now, paid_at: null, payout_id: null, updated_at: now, ontraport_id: null, purchase_id: null, synced_at: null })
      .execute();
    await setKv(store.db, `${name}:${round}`, { round });
    built += (await refreshRankings(deps)).length;
    patched += (await refreshRankings(deps, { partnerIds: [partner.id] })).length;
  }
  await store.close();
  process.stdout.write(`${JSON.stringify({ name, built, patched })}\n`);
} catch (err) {
  process.stderr.write(`${name}: ${(err as { code?: string }).code ?? ''} ${(err as Error).stack}\n`);
  await store.close().catch(() => undefined);
  process.exit(1);
}
