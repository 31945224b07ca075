/**
 * `partnergate ontraport check` against the strict emulator: read-only, the objects and fields found, the
 * mapping chosen per Partnergate field, counts, rate-limit headers, and the precedence sample, which tells an
 * account reading mixed AND/OR arrays AND-first from one that does not.
 */
import { expect } from 'chai';
import { runCli } from '../../src/admin/cli/program.js';
import type { CheckReport } from '../../src/ontraport/index.js';
import { startOntraportEmulator, type EmulatorOptions, type OntraportEmulator } from '../support/ontraport-emulator.js';
import { captureIo } from '../admin/support/fixtures.js';
import { contactsInScope } from './sync-oracle.js';

describe('partnergate ontraport check', () => {
  let emu: OntraportEmulator;
  afterEach(async () => {
    await emu.stop();
  });

  async function check(options: EmulatorOptions, ...args: string[]) {
    emu = await startOntraportEmulator({ rateLimit: 500, ...options });
    emu.seed({ programs: 2, partners: 6, contacts: 120, purchases: 30, openOrders: 4, promoTools: 3, seed: 11 });
    const io = captureIo();
    const env = { PARTNERGATE_ENV: 'test', PARTNERGATE_LOG_LEVEL: 'silent', PARTNERGATE_ONTRAPORT_BASE_URL: emu.baseUrl, PARTNERGATE_ONTRAPORT_APP_ID: emu.appId, PARTNERGATE_ONTRAPORT_API_KEY: emu.apiKey };
    const code = await runCli(['ontraport', 'check', ...args], { stdout: io.stdout, stderr: io.stderr, overrides: { env } });
    return { code, out: io.chunks.out, err: io.chunks.err };
  }

  /** Contacts in the sync's scope modified after `since` (the sample's answer, from the emulator's data). */
  const recentInScope = (since: number) => contactsInScope(emu).filter((c) => Number(c.dlm) > since).length;

  it('reports objects, fields, the mapping, counts and rate-limit headers, reading nothing but GETs (--json)', async () => {
    const { code, out, err } = await check({}, '--json');
    expect(code, err).to.equal(0);
    const report = JSON.parse(out) as CheckReport;
    expect(report.ok).to.equal(true);
    expect(emu.log.every((e) => e.method === 'GET')).to.equal(true);
    expect(report.requests).to.equal(emu.log.length);
    const byName = Object.fromEntries(report.objects.map((o) => [o.object, o]));
    expect(byName.commissions!.name).to.equal('Commission');
    expect(byName.commissions!.mapping).to.include({ partner: emu.fieldName(38, 'partner_id'), amount: emu.fieldName(38, 'amount'), status: emu.fieldName(38, 'status') });
    expect(byName.commissions!.fields).to.deep.include({ name: emu.fieldName(38, 'partner_id'), label: 'Credited Partner', type: 'parent' });
    expect(byName.contacts!.count).to.equal(emu.all(0).length);
    expect(byName.contacts!.scope!.map((s) => s.count)).to.deep.equal(['freferrer', 'lreferrer', 'program_id'].map((f) => emu.all(0).filter((c) => Number(c[f]) > 0).length));
    expect(byName.purchases!.scope).to.deep.equal([{ condition: JSON.stringify([{ field: { field: 'oprid' }, op: '>', value: { value: 0 } }]), count: emu.all(17).filter((p) => Number(p.oprid) > 0).length }]);
    expect(report.rateLimit).to.include({ limit: 500 });
    expect(report.rateLimit!.remaining).to.be.a('number');
    const p = report.precedence!;
    expect(p.mergedCount).to.equal(recentInScope(p.modifiedSince));
    expect(p.mixedCount).to.equal(p.mergedCount); // this emulator reads AND first
    expect(p.agrees).to.equal(true);
  });

  it('shows that an account reading OR first answers the mixed array differently from the branches merged by id', async () => {
    const { code, out } = await check({ conditionOrder: 'or-first' }, '--json');
    expect(code).to.equal(0);
    const p = (JSON.parse(out) as CheckReport).precedence!;
    expect(p.mergedCount).to.equal(recentInScope(p.modifiedSince));
    expect(p.mixedCount).to.not.equal(p.mergedCount);
    expect(p.agrees).to.equal(false);
    expect(p.reading).to.match(/does not read AND before OR/);
  });

  it('exits 4 and names the object, the fields looked for and those found when commission fields cannot be mapped', async () => {
    const { code, out } = await check({ schema: 'unrecognised-commissions' }, '--days', '400');
    expect(code).to.equal(4);
    expect(out).to.match(/some object types cannot be synced/);
    expect(out).to.match(/commissions \(object 38 "Commission"\): \d+ fields, \d+ records\n {2}PROBLEM: Ontraport object 38 \(Commission\): partner: no field named partner_id.*The account has: .*f1921 "Payee reference"/);
    expect(out).to.match(/contacts \(object 0 "Contact"\): \d+ fields, \d+ records\n {2}mapping: firstname -> firstname/);
  });
});
