import { expect } from 'chai';
import { createLogger } from '../../src/common/logger.js';
import { runSync } from '../../src/ontraport/index.js';
import { RollingWindowLimiter } from '../../src/ontraport/rate-limiter.js';
import { ObjectType } from '../../src/ontraport/types.js';
import { startOntraportEmulator } from '../support/ontraport-emulator.js';
import { createTestStore } from '../support/store.js';
import { clientFor } from './support.js';

describe('ontraport rate limit', () => {
  it('never lets more than the limit through per rolling window, whatever the number of concurrent callers', async () => {
    const emu = await startOntraportEmulator({ rateLimit: 12, rateWindowMs: 250 });
    emu.seed({ contacts: 20 });
    // Separate client objects, one account: they share the process-wide limiter.
    const clients = Array.from({ length: 6 }, () => clientFor(emu));
    await Promise.all(clients.map(async (client) => {
      for (let i = 0; i < 10; i++) await client.listObjects(ObjectType.Contact, { range: 5, start: i });
    }));
    expect(emu.log).to.have.length(60);
    expect(emu.requests({ status: 429 })).to.have.length(0);
    expect(emu.maxRequestsInWindow()).to.be.at.most(12);
    expect(emu.maxRequestsInWindow()).to.be.at.least(10); // and it does use the budget
    await emu.stop();
  });

  it('on 429 waits X-Rate-Limit-Reset, then retries and succeeds', async () => {
    const emu = await startOntraportEmulator({ rateLimit: 5, rateWindowMs: 300 });
    const client = clientFor(emu);
    const usedAt = Date.now();
    emu.consumeRateLimit(5); // another process spent the whole window
    expect(await client.countObjects(ObjectType.Contact)).to.equal(0);
    expect(emu.log.map((e) => e.status)).to.deep.equal([429, 200]);
    expect(emu.log[1]!.at - usedAt).to.be.at.least(300 - 5); // not before the other process's requests left the window
    await emu.stop();
  });

  it('reads X-Rate-Limit-Remaining to slow down before the server has to say 429', async () => {
    const emu = await startOntraportEmulator({ rateLimit: 6, rateWindowMs: 300 });
    const client = clientFor(emu);
    emu.consumeRateLimit(5);
    for (let i = 0; i < 4; i++) await client.countObjects(ObjectType.Contact);
    expect(emu.requests({ status: 429 })).to.have.length(0);
    expect(emu.log).to.have.length(4);
    await emu.stop();
  });

  it('adopts a lower limit announced by X-Rate-Limit-Limit', async () => {
    const emu = await startOntraportEmulator({ rateLimit: 4, rateWindowMs: 250 });
    const client = clientFor(emu, { ratePerWindow: 100 });
    await client.countObjects(ObjectType.Contact); // learns the real limit
    await Promise.all(Array.from({ length: 10 }, () => client.countObjects(ObjectType.Contact)));
    expect(emu.requests({ status: 429 })).to.have.length(0);
    expect(emu.maxRequestsInWindow()).to.be.at.most(4);
    await emu.stop();
  });

  it('counts a slot from the answer, so slow answers cannot squeeze extra requests into a window', async () => {
    const limiter = new RollingWindowLimiter({ limit: 2, windowMs: 50 });
    const releases = [await limiter.acquire(), await limiter.acquire()];
    let third = false;
    const pending = limiter.acquire().then((release) => {
      third = true;
      return release;
    });
    await new Promise((r) => setTimeout(r, 80)); // longer than the window, but both are still in flight
    expect(third).to.equal(false);
    releases[0]!();
    await new Promise((r) => setTimeout(r, 20));
    expect(third).to.equal(false); // answered 20 ms ago: still inside its window
    (await pending)();
    expect(third).to.equal(true);
    releases[1]!();
  });
});

describe('ontraport rate limit with several syncs at once', () => {
  it('keeps three concurrent full syncs (three stores, one account) within the limit, counted by the emulator', async () => {
    const emu = await startOntraportEmulator({ rateLimit: 15, rateWindowMs: 300 });
    emu.seed({ programs: 2, partners: 5, contacts: 120, purchases: 40, openOrders: 4, promoTools: 3 });
    const stores = await Promise.all([1, 2, 3].map(() => createTestStore('sqlite')));
    try {
      const logger = createLogger('silent');
      const summaries = await Promise.all(stores.map((s) => runSync({ store: s.store, client: clientFor(emu), logger }, { full: true })));
      expect(summaries.every((s) => s.ok)).to.equal(true);
      expect(emu.requests({ status: 429 })).to.have.length(0);
      expect(emu.maxRequestsInWindow()).to.be.at.most(15);
      expect(emu.log.length).to.equal(summaries.reduce((n, s) => n + s.requests, 0));
    } finally {
      await Promise.all(stores.map((s) => s.dispose()));
      await emu.stop();
    }
  });
});
