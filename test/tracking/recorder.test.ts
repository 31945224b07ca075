/**
 * The click recorder against a real store (SQLite and PostgreSQL): what a click writes, once per partner, visitor
 * and UTC day; the partner and promo tool checked against the store; the attribution cookie; the bounded queue.
 */
import type { IncomingMessage } from 'node:http';
import { expect } from 'chai';
import { CHROME } from './browser.js';
import { countVisits, visitsByKey } from '../../src/partners/repos/activity.repo.js';
import { createLogger } from '../../src/common/index.js';
import { createClickRecorder, type ClickRecorder } from '../../src/tracking/index.js';
import { forEachStore, clearTables } from '../support/store.js';
import { addPartner } from '../proxy/fixtures.js';

const DAY = 86_400_000;

function request(url: string, opts: { ip?: string; agent?: string; cookie?: string; headers?: Record<string, string>; method?: string } = {}): IncomingMessage {
  const headers: Record<string, string> = { 'user-agent': opts.agent ?? CHROME, 'sec-fetch-dest': 'document', ...(opts.headers ?? {}) };
  if (opts.cookie !== undefined) headers.cookie = opts.cookie;
  return { url, method: opts.method ?? 'GET', headers, socket: { remoteAddress: opts.ip ?? '203.0.113.9' } } as unknown as IncomingMessage;
}

/** `name=value` of a Set-Cookie line, as a browser sends it back. */
const cookieOf = (line: string | undefined) => line!.split(';')[0]!;

forEachStore('tracking: the click recorder', (ctx) => {
  let now = Date.UTC(2026, 11, 6, 10, 0, 0);
  let rec: ClickRecorder;
  const make = (queueMax = 1000) =>
    createClickRecorder({ db: ctx.store.db, dataKey: Buffer.alloc(32, 7), logger: createLogger('silent'), now: () => now, cookieSecure: false, cookieDays: 30, queueMax, flushMs: 60_000 });
  const range = { startMs: 0, endMs: Date.UTC(2100, 0, 1) };

  beforeEach(async () => {
    await clearTables(ctx.store);
    now = Date.UTC(2026, 11, 6, 10, 0, 0);
    rec = make();
  });
  afterEach(async () => rec.stop());

  it('writes a click on a partner link as a visit the partner center counts: UTC time, store partner, promo tool, SubID, path without the query', async () => {
    const p = await addPartner(ctx.store);
    const tool = await ctx.store.db.insertInto('promo_tools').values({ program_id: null, kind: 'link', name: 'Spring', landing_path: '/', updated_at: now } as never).returning('id').executeTakeFirstOrThrow();
    const line = rec.observe(request(`/pricing/?orid=${p.referralCode}&opid=${tool.id}&sid=mail_1&utm=x`));
    expect(line).to.match(new RegExp(`^pg_ref=${p.referralCode}\\.${tool.id}\\.mail_1\\.\\d+\\.\\d+; Max-Age=${30 * 86_400 - 10 * 3600}; Path=/; HttpOnly; SameSite=Lax$`));
    await rec.flush();
    const rows = await ctx.store.db.selectFrom('visits').selectAll().execute();
    expect(rows).to.have.length(1);
    expect(rows[0]).to.include({ partner_id: p.partnerId, promo_tool_id: tool.id, sub_id: 'mail_1', landing_path: '/pricing/', visit_day: Math.floor(now / DAY) });
    expect(Number(rows[0]!.visited_at)).to.equal(now);
    expect(rows[0]!.visitor_hash).to.match(/^[A-Za-z0-9_-]{22}$/);
    expect(JSON.stringify(rows[0])).not.to.include('203.0.113.9');
    expect(await countVisits(ctx.store.db, p.partnerId, range)).to.equal(1);
    expect(await visitsByKey(ctx.store.db, p.partnerId, range, 'sub_id')).to.deep.equal([{ key: 'mail_1', n: 1 }]);
  });

  it('counts a visitor once per partner and UTC day: a second visit the same day is not a click, the next day is; another visitor is', async () => {
    const p = await addPartner(ctx.store);
    rec.observe(request(`/?orid=${p.referralCode}`));
    await rec.flush();
    now += 3 * 3_600_000;
    rec.observe(request(`/other/?orid=${p.referralCode}&sid=again`));
    await rec.flush();
    expect(await countVisits(ctx.store.db, p.partnerId, range)).to.equal(1);
    rec.observe(request(`/?orid=${p.referralCode}`, { ip: '198.51.100.4' }));
    rec.observe(request(`/?orid=${p.referralCode}`, { agent: `${CHROME} Edg/131.0` }));
    await rec.flush();
    expect(await countVisits(ctx.store.db, p.partnerId, range)).to.equal(3);
    now += DAY;
    rec.observe(request(`/?orid=${p.referralCode}`));
    await rec.flush();
    expect(await countVisits(ctx.store.db, p.partnerId, range)).to.equal(4);
    // The visitor key changes every day: the same visitor's hashes of two days do not match.
    const hashes = await ctx.store.db.selectFrom('visits').select(['visitor_hash', 'visit_day']).orderBy('visited_at').execute();
    expect(hashes[0]!.visitor_hash).not.to.equal(hashes[3]!.visitor_hash);
  });

  it('leaves out a referral code that names no partner, and a promo tool of another program (the click kept, without the tool)', async () => {
    const p = await addPartner(ctx.store);
    const other = await addPartner(ctx.store);
    const otherProgram = (await ctx.store.db.selectFrom('partners').select('program_id').where('id', '=', other.partnerId).executeTakeFirstOrThrow()).program_id;
    const foreign = await ctx.store.db.insertInto('promo_tools').values({ program_id: otherProgram, kind: 'link', name: 'Theirs', landing_path: '/', updated_at: now } as never).returning('id').executeTakeFirstOrThrow();
    rec.observe(request('/?orid=no-such-partner'));
    rec.observe(request(`/?orid=${p.referralCode}&opid=${foreign.id}`));
    rec.observe(request(`/?orid=${other.referralCode}&opid=999999`, { ip: '198.51.100.7' }));
    await rec.flush();
    const rows = await ctx.store.db.selectFrom('visits').select(['partner_id', 'promo_tool_id']).orderBy('partner_id').execute();
    expect(rows).to.deep.equal([
      { partner_id: p.partnerId, promo_tool_id: null },
      { partner_id: other.partnerId, promo_tool_id: null },
    ]);
    expect(rec.stats().unknownPartner).to.equal(1);
  });

  it('writes a batch larger than one look-up or insert chunk (500): every known visitor once, every made-up code left out', async () => {
    await rec.stop();
    rec = make(5000);
    const p = await addPartner(ctx.store);
    for (let i = 0; i < 1200; i += 1) rec.observe(request(`/?orid=made-up-${i}`, { ip: `10.0.${i >> 8}.${i & 255}` }));
    for (let i = 0; i < 1100; i += 1) rec.observe(request(`/?orid=${p.referralCode}&opid=${i + 1}`, { ip: `10.1.${i >> 8}.${i & 255}` }));
    await rec.flush();
    expect(rec.stats()).to.include({ unknownPartner: 1200, written: 1100 });
    expect(await countVisits(ctx.store.db, p.partnerId, range)).to.equal(1100);
  });

  it('counts a visitor who comes back with the attribution cookie on the first page load of a later day, not on the same day nor for images', async () => {
    const p = await addPartner(ctx.store);
    const cookie = cookieOf(rec.observe(request(`/?orid=${p.referralCode}&sid=s1`)));
    expect(rec.observe(request('/about/', { cookie }))).to.equal(undefined);
    now += DAY;
    expect(rec.observe(request('/logo.png', { cookie, headers: { 'sec-fetch-dest': 'image' } }))).to.equal(undefined);
    const refreshed = rec.observe(request('/about/?x=1', { cookie: `other=1; ${cookie}` }));
    expect(refreshed).to.match(/^pg_ref=[^;]+\.s1\.\d+\.\d+; Max-Age=\d+;/);
    // The cookie keeps the lifetime it got on the landing: one day of 30 has passed.
    expect(Number(/Max-Age=(\d+)/.exec(refreshed!)![1])).to.equal(29 * 86_400 - 10 * 3600);
    expect(rec.observe(request('/contact/', { cookie: cookieOf(refreshed) }))).to.equal(undefined);
    await rec.flush();
    const rows = await ctx.store.db.selectFrom('visits').select(['landing_path', 'sub_id', 'visit_day']).orderBy('visited_at').execute();
    expect(rows.map((r) => [r.landing_path, r.sub_id])).to.deep.equal([
      ['/', 's1'],
      ['/about/', 's1'],
    ]);
    // After the cookie's 30 days it counts nothing, even if a browser sent it.
    now += 30 * DAY;
    expect(rec.observe(request('/', { cookie: cookieOf(refreshed) }))).to.equal(undefined);
  });

  it('records nothing for crawlers, prefetches and HEAD, and sets them no cookie', async () => {
    const p = await addPartner(ctx.store);
    expect(rec.observe(request(`/?orid=${p.referralCode}`, { agent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' }))).to.equal(undefined);
    expect(rec.observe(request(`/?orid=${p.referralCode}`, { headers: { 'sec-purpose': 'prefetch' } }))).to.equal(undefined);
    expect(rec.observe(request(`/?orid=${p.referralCode}`, { method: 'HEAD' }))).to.equal(undefined);
    await rec.flush();
    expect(await countVisits(ctx.store.db, p.partnerId, range)).to.equal(0);
    expect(rec.stats().queued).to.equal(0);
  });

  it('drops and counts clicks beyond the queue bound instead of waiting, and writes the rest on stop()', async () => {
    await rec.stop();
    rec = make(100);
    const p = await addPartner(ctx.store);
    for (let i = 0; i < 130; i += 1) rec.observe(request(`/?orid=${p.referralCode}`, { ip: `198.51.100.${i}` }));
    expect(rec.stats()).to.include({ queued: 100, dropped: 30 });
    await rec.stop();
    expect(await countVisits(ctx.store.db, p.partnerId, range)).to.equal(100);
    expect(rec.stats().written).to.equal(100);
  });
});
