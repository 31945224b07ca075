import { expect } from 'chai';
import { and, conditionParam, type Condition, eq, gt, gte, isIn, isNotNull, isNull, like, lt, lte, ne, notIn, or } from '../../src/ontraport/conditions.js';
import { ObjectType } from '../../src/ontraport/types.js';
import { startOntraportEmulator, type OntraportEmulator } from '../support/ontraport-emulator.js';
import { clientFor, rejectionOf } from './support.js';

describe('ontraport client against the emulator', function () {
  let emu: OntraportEmulator;
  before(async () => {
    emu = await startOntraportEmulator({ rateLimit: 1000, rateWindowMs: 1000 });
    emu.seed({ programs: 2, partners: 4, contacts: 120, unreferredContacts: 0, purchases: 10, openOrders: 3, promoTools: 4 });
  });
  beforeEach(() => {
    emu.clearLog();
    emu.clearFaults();
  });

  it('sends both auth headers, unwraps the envelope and returns string values as Ontraport does', async () => {
    const client = clientFor(emu);
    const contact = await client.getObject(ObjectType.Contact, 1);
    expect(contact?.id).to.equal('1');
    expect(contact?.email).to.equal('partner1@example.com');
    expect(emu.requests({ path: '/object' })).to.have.length(1);
    expect(await client.getObject(ObjectType.Contact, 999_999)).to.equal(null);
  });

  it('pages through every record 50 at a time using the getInfo count', async () => {
    const client = clientFor(emu);
    const seen: number[] = [];
    let pages = 0;
    for await (const page of client.pages(ObjectType.Contact, { sort: 'id' })) {
      pages++;
      expect(page.total).to.equal(124);
      expect(page.records.length).to.be.at.most(50);
      seen.push(...page.records.map((r) => Number(r.id)));
    }
    expect(pages).to.equal(3);
    expect(seen).to.deep.equal(emu.all(0).map((r) => Number(r.id)));
    expect(emu.requests({ path: '/objects/getInfo' })).to.have.length(1);
    expect(emu.requests({ path: '/objects' }).map((e) => [e.params.start, e.params.range])).to.deep.equal([['0', '50'], ['50', '50'], ['100', '50']]);
    const before = emu.log.length;
    expect((await rejectionOf(client.listObjects(0, { range: 51 }))).message).to.match(/range must be 1\.\.50/);
    expect(emu.log.length).to.equal(before); // refused before any request
  });

  it('sorts ascending and descending and returns only the listed fields', async () => {
    const client = clientFor(emu);
    const desc = await client.listObjects(ObjectType.Contact, { sort: 'id', sortDir: 'desc', range: 3, listFields: ['email'] });
    expect(desc.map((r) => Number(r.id))).to.deep.equal([124, 123, 122]);
    expect(Object.keys(desc[0]!).sort()).to.deep.equal(['email', 'id']);
    const byEmail = await client.listObjects(ObjectType.Contact, { sort: 'email', sortDir: 'asc', range: 2 });
    expect(byEmail.map((r) => r.email)).to.deep.equal(['lead100@example.org', 'lead101@example.org']); // '0' sorts before '@'
  });

  it('filters with every condition operator, AND and OR', async () => {
    const client = clientFor(emu);
    const ids = async (condition: Condition) =>
      (await client.listObjects(ObjectType.Contact, { condition, sort: 'id' })).map((r) => Number(r.id));
    expect(await ids(eq('id', 3))).to.deep.equal([3]);
    expect(await ids(and(lte('id', 5), ne('id', 2)))).to.deep.equal([1, 3, 4, 5]);
    expect(await ids(and(gt('id', 120), lt('id', 123)))).to.deep.equal([121, 122]);
    expect(await ids(and(gte('id', 123)))).to.deep.equal([123, 124]);
    expect(await ids(isIn('id', [7, 9, 11]))).to.deep.equal([7, 9, 11]);
    expect(await ids(and(lte('id', 6), notIn('id', [1, 2, 3])))).to.deep.equal([4, 5, 6]);
    expect(await ids(like('email', 'partner%@example.com'))).to.deep.equal([1, 2, 3, 4]);
    expect(await ids(and(isNull('aff_paypal'), lte('id', 4)))).to.deep.equal([4]);
    expect(await ids(and(isNotNull('aff_paypal'), lte('id', 4)))).to.deep.equal([1, 2, 3]);
    expect(await ids(or(eq('id', 2), eq('id', 100)))).to.deep.equal([2, 100]);
    // A condition mixing AND and OR would depend on an undocumented precedence: refused before sending.
    const sent = emu.log.length;
    expect(() => conditionParam(and(or(lte('id', 2), gte('id', 123)), ne('id', 1)))).to.throw(/mixes AND and OR/);
    expect((await rejectionOf(ids(and(or(lte('id', 2), gte('id', 123)), ne('id', 1))))).message).to.match(/mixes AND and OR/);
    expect(emu.log.length).to.equal(sent);
    expect(await client.countObjects(ObjectType.Contact, { condition: gt('program_id', 0) })).to.equal(4);
  });

  it('is answered 400 with the error envelope for what the documentation does not define (strict account)', async () => {
    const client = clientFor(emu);
    const refused = async (work: Promise<unknown>, pattern: RegExp) => {
      const err = await rejectionOf(work);
      expect(err.code).to.equal('ontraport.failed');
      expect(err.message).to.match(/HTTP 400/).and.to.match(pattern);
    };
    await refused(client.listObjects(ObjectType.Contact, { condition: gt('freferer', 0) }), /unknown field "freferer"/);
    await refused(client.countObjects(ObjectType.Contact, { condition: notIn('no_such_field', [1]) }), /unknown field/);
    await refused(client.listObjects(ObjectType.Contact, { condition: gt('dlm', 'yesterday') }), /dlm is timestamp: > takes a number/);
    await refused(client.listObjects(ObjectType.Contact, { sort: 'last_name' }), /sort: unknown field/);
    await refused(client.listObjects(ObjectType.Contact, { listFields: ['email', 'e_mail'] }), /listFields: unknown field/);
    await refused(client.updateObject(ObjectType.Contact, 2, { aff_paypall: 'x@example.com' }), /unknown field "aff_paypall"/);
    await refused(client.listObjects(ObjectType.Commission, { condition: gt('partner_id', 0) }), /unknown field/); // this account names it otherwise
    const last = emu.log[emu.log.length - 1]!;
    expect(last.status).to.equal(400);
  });

  it('searches text fields', async () => {
    const client = clientFor(emu);
    const found = await client.listObjects(ObjectType.Contact, { search: 'partner3@' });
    expect(found.map((r) => Number(r.id))).to.deep.equal([3]);
  });

  it('discovers field names and option codes from objects/meta, once per object type', async () => {
    const client = clientFor(emu);
    const meta = await client.getMeta(ObjectType.Commission);
    expect(meta.name).to.equal('Commission');
    expect(meta.fields[emu.fieldName(38, 'status')]?.options).to.deep.include({ '11': 'Awaiting approval', '13': 'Paid out' });
    await client.getMeta(ObjectType.Commission);
    expect(emu.requests({ path: '/objects/meta' })).to.have.length(1);
  });

  it('updates a record with PUT /objects, which bumps its dlm', async () => {
    const client = clientFor(emu);
    emu.update(0, 2, { dlm: 1_000 });
    const attrs = await client.updateObject(ObjectType.Contact, 2, { aff_paypal: 'new@example.com' });
    expect(attrs.aff_paypal).to.equal('new@example.com');
    expect(emu.get(0, 2)?.aff_paypal).to.equal('new@example.com');
    expect(Number(emu.get(0, 2)?.dlm)).to.be.greaterThan(1_000);
    const err = await rejectionOf(client.updateObject(ObjectType.Commission, 1, { status: '1' }));
    expect(err.code).to.equal('ontraport.failed');
    expect(emu.requests({ method: 'PUT' })).to.have.length(2); // a refused write is not retried
  });

  it('finds a contact id by email', async () => {
    const client = clientFor(emu);
    expect(await client.findContactIdByEmail('PARTNER2@example.com')).to.equal(2);
    expect(await client.findContactIdByEmail('nobody@example.com')).to.equal(null);
  });

  it('retries a storm of 5xx answers with backoff, then succeeds', async () => {
    const client = clientFor(emu, { maxAttempts: 5 });
    emu.injectFault({ kind: 'status', status: 503 }, 4);
    expect(await client.countObjects(ObjectType.Contact)).to.equal(124);
    expect(emu.log.map((e) => e.status)).to.deep.equal([503, 503, 503, 503, 200]);
  });

  it('gives up after the bounded number of attempts', async () => {
    const client = clientFor(emu, { maxAttempts: 3 });
    emu.injectFault({ kind: 'status', status: 500 }, 10);
    const err = await rejectionOf(client.countObjects(ObjectType.Contact));
    expect(err.code).to.equal('ontraport.failed');
    expect(err.message).to.match(/after 3 attempts: HTTP 500/);
    expect(emu.log).to.have.length(3);
  });

  it('times out a request that hangs and retries it', async () => {
    const client = clientFor(emu, { timeoutMs: 150 });
    emu.injectFault({ kind: 'hang' }, 1);
    expect(await client.countObjects(ObjectType.Contact)).to.equal(124);
    expect(emu.log).to.have.length(2);
  });

  it('retries a body that is not valid JSON', async () => {
    const client = clientFor(emu);
    emu.injectFault({ kind: 'malformed' }, 2);
    const page = await client.listObjects(ObjectType.Product);
    expect(page).to.have.length(5);
    expect(emu.log).to.have.length(3);
  });

  it('fails an error envelope without retrying', async () => {
    const client = clientFor(emu);
    emu.injectFault({ kind: 'envelope', code: 7, data: 'Invalid field: nope' }, 1);
    const err = await rejectionOf(client.listObjects(ObjectType.Product));
    expect(err.code).to.equal('ontraport.failed');
    expect(emu.log).to.have.length(1);
  });
});

describe('ontraport client with a wrong API key', () => {
  for (const style of ['http401', 'http403', 'envelope'] as const) {
    it(`fails fast with ontraport.auth_failed (${style}), one request, no retries`, async () => {
      const emu = await startOntraportEmulator({ authFailure: style });
      const client = clientFor(emu, { apiKey: 'wrong-key', maxAttempts: 5 });
      const err = await rejectionOf(client.countObjects(ObjectType.Contact));
      expect(err.code).to.equal('ontraport.auth_failed');
      expect(err.message).not.to.contain('wrong-key');
      expect(emu.log).to.have.length(1);
      await emu.stop();
    });
  }
});
