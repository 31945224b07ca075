/**
 * A store that reports corruption: the first query that meets SQLITE_CORRUPT (or PostgreSQL XX001/XX002) is
 * remembered, logged once as fatal, and `/readyz` answers 503 with the store's state `corrupt` (the reason only in the log), while pages on intact tables still
 * answer (the state the pages benchmark measured as speed).
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/common/index.js';
import { generateDemoData } from '../../src/demo/index.js';
import { buildSqliteFile, isCorruptionError, openStore, type Store } from '../../src/store/index.js';
import { useTestGateway } from '../support/gateway.js';
import { damageTable } from './support/damage.js';

const err = (code: string) => Object.assign(new Error(`failure ${code}`), { code });

describe('store corruption', function () {
  this.timeout(60_000);

  it('tells corruption from other store errors', () => {
    const corrupt = ['SQLITE_CORRUPT', 'SQLITE_CORRUPT_INDEX', 'SQLITE_CORRUPT_SEQUENCE', 'SQLITE_NOTADB', 'XX001', 'XX002'];
    const other = ['SQLITE_BUSY', 'SQLITE_IOERR', 'SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_FULL', '23505', '57P01', 'XX000', 'ECONNREFUSED'];
    for (const code of corrupt) expect(isCorruptionError(err(code)), code).to.equal(true);
    for (const code of other) expect(isCorruptionError(err(code)), code).to.equal(false);
    for (const v of [null, undefined, 'SQLITE_CORRUPT', new Error('no code')]) expect(isCorruptionError(v)).to.equal(false);
  });

  describe('a gateway on a SQLite file with a damaged table', () => {
    let dir: string;
    let store: Store;
    let partnerId: number;
    const logLines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (logLines.push(String(chunk)), done()) });

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'pg-corrupt-'));
      const file = join(dir, 'store.sqlite');
      const summary = await buildSqliteFile(file, (s) => generateDemoData(s, { seed: 5, partners: 20, commissions: 3_000 }));
      damageTable(file, 'commissions', 1024);
      store = await openStore({ kind: 'sqlite', path: file });
      partnerId = summary.mostActivePartnerId;
    });
    const tg = useTestGateway(() => store, {}, { logger: createLogger('info', sink) });
    // Registered after the gateway's hooks: the gateway closes before its store.
    after(async () => {
      await store?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('is ready until a query meets the damage, then answers 503 naming the corruption and logs it once', async () => {
      const before = await fetch(`${tg.url}/readyz`);
      expect(before.status).to.equal(200);

      const partner = await tg.signIn(partnerId);
      const page = await fetch(`${tg.url}/partner-center/commissions/pending`, { headers: { cookie: partner.cookie } });
      expect(page.status).to.equal(500);

      const after = await fetch(`${tg.url}/readyz`);
      expect(after.status).to.equal(503);
      const body = (await after.json()) as { checks: { store: { ok: boolean; state?: string } } };
      // The public answer names the state; the driver's message is only in the log.
      expect(body.checks.store).to.deep.equal({ ok: false, state: 'corrupt' });

      await fetch(`${tg.url}/readyz`);
      const fatal = logLines.map((l) => JSON.parse(l) as { level: number; msg: string; storeError?: string }).filter((l) => l.level === 60);
      expect(fatal).to.have.length(1);
      expect(fatal[0]!.msg).to.contain('the store reports corruption');
      expect(fatal[0]!.storeError).to.match(/^SQLITE_CORRUPT/);
    });
  });
});
