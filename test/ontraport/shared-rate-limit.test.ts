/**
 * The Ontraport rate limit shared through the store: two processes (here: two clients whose in-process
 * limiters are separate, as in two processes) on one store never send more than the limit per rolling window
 * between them, and a 429 seen by one makes both wait. Without the store each keeps only its own count, and
 * together they overrun the account (the control case, which shows the test can fail).
 */
import { expect } from 'chai';
import { OntraportClient } from '../../src/ontraport/client.js';
import { resetSharedRateLimiters } from '../../src/ontraport/rate-limiter.js';
import { ObjectType } from '../../src/ontraport/types.js';
import { startOntraportEmulator, type OntraportEmulator } from '../support/ontraport-emulator.js';
import { clearTables, forEachStore } from '../support/store.js';

/** Two "processes": each its own in-process limiter (the shared map is reset between them). */
function twoProcesses(emu: OntraportEmulator, db: Parameters<typeof OntraportClient.create>[2]) {
  const config = { baseUrl: emu.baseUrl, appId: emu.appId, apiKey: emu.apiKey, ratePerWindow: emu.rateLimit, rateWindowMs: emu.rateWindowMs, timeoutMs: 2_000, retryBaseMs: 5, retryMaxDelayMs: 50, maxRateLimitRetries: 50 };
  resetSharedRateLimiters();
  const a = OntraportClient.create(config, undefined, db);
  resetSharedRateLimiters();
  const b = OntraportClient.create(config, undefined, db);
  return [a, b];
}

async function hammer(clients: OntraportClient[], each: number): Promise<void> {
  await Promise.all(clients.flatMap((client) => Array.from({ length: 3 }, async () => {
    for (let i = 0; i < each; i++) await client.countObjects(ObjectType.Contact);
  })));
}

forEachStore('ontraport rate limit shared through the store', (ctx) => {
  beforeEach(() => clearTables(ctx.store));
  afterEach(() => resetSharedRateLimiters());

  it('two processes on one store stay within the limit per rolling window together, and use it', async () => {
    const emu = await startOntraportEmulator({ rateLimit: 10, rateWindowMs: 400 });
    await hammer(twoProcesses(emu, ctx.store.db), 5); // 30 requests: three windows' worth
    expect(emu.log).to.have.length(30);
    expect(emu.requests({ status: 429 })).to.deep.equal([]);
    expect(emu.maxRequestsInWindow()).to.be.at.most(10);
    expect(emu.maxRequestsInWindow()).to.be.at.least(8);
    await emu.stop();
  });

  it('control: without the store, two processes overrun the account (429s)', async () => {
    const emu = await startOntraportEmulator({ rateLimit: 10, rateWindowMs: 400 });
    await hammer(twoProcesses(emu, undefined), 5);
    expect(emu.requests({ status: 429 }).length).to.be.greaterThan(0);
    await emu.stop();
  });

  it('a 429 answered to one process makes the other wait for the reset too', async () => {
    const emu = await startOntraportEmulator({ rateLimit: 6, rateWindowMs: 300 });
    const [a, b] = twoProcesses(emu, ctx.store.db);
    emu.consumeRateLimit(6); // someone outside the store spent the window
    const first = a!.countObjects(ObjectType.Contact); // answered 429: waits for the reset, then succeeds
    // Once a has blocked the store's slots, b (whose own limiter saw nothing) asks too.
    while ((await ctx.store.db.selectFrom('job_leases').select('name').where('name', 'like', 'ontraport.rate|%').execute()).length < 6) await new Promise((r) => setTimeout(r, 5));
    const second = b!.countObjects(ObjectType.Contact);
    expect(await Promise.all([first, second])).to.deep.equal([0, 0]);
    // Without the shared block, b would have sent at once and been refused as well.
    expect(emu.log.map((e) => e.status)).to.deep.equal([429, 200, 200]);
    await emu.stop();
  });
});
