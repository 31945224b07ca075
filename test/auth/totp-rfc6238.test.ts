/**
 * TOTP against the published test vectors of RFC 6238 (Appendix B), not against the code generator the
 * tests otherwise use: the SHA-1 secret is the ASCII "12345678901234567890", steps of 30 s from T0 = 0, and
 * the RFC's 8-digit values; a 6-digit code is the same HOTP value mod 10^6 (RFC 4226 §5.3), so it is the
 * last six digits. The check goes through `verifySecondFactor`, the path a partner's code takes.
 */
import { expect } from 'chai';
import { createSecretBox, totpPurpose } from '../../src/auth/secret-box.js';
import { verifySecondFactor } from '../../src/auth/totp.js';
import { dataKey } from '../../src/common/sealed.js';
import type { Account } from '../../src/store/index.js';
import { clearTables, forEachStore } from '../support/store.js';
import { seedPartner } from './support/fixtures.js';

const RFC_SECRET_BASE32 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'; // base32 of ASCII "12345678901234567890"
/** Appendix B, SHA1 column: Unix time (s) -> 8-digit TOTP. */
const vectors: Array<[number, string]> = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

/** The seed is stored sealed, as enrolment stores it. */
const box = createSecretBox({ current: dataKey(Buffer.alloc(32, 'rfc6238 ')) });

forEachStore('TOTP: RFC 6238 test vectors', (ctx) => {
  let account: Account;
  beforeEach(async () => {
    await clearTables(ctx.store);
    const seeded = await seedPartner(ctx.store, { email: `rfc6238-${ctx.kind}@example.test` });
    account = await ctx.store.db.updateTable('accounts').set({ totp_secret: box.seal(RFC_SECRET_BASE32, totpPurpose(seeded.accountId!)), totp_enabled: 1, totp_last_step: null })
      .where('id', '=', seeded.accountId!).returningAll().executeTakeFirstOrThrow();
  });

  it('the base32 secret is the RFC secret', () => {
    expect(Buffer.from(decodeBase32(RFC_SECRET_BASE32)).toString('ascii')).to.equal('12345678901234567890');
  });

  for (const [seconds, rfcCode] of vectors) {
    it(`accepts the RFC code ${rfcCode.slice(-6)} at T = ${seconds} s, and refuses it 90 s later`, async () => {
      const code = rfcCode.slice(-6);
      expect(await verifySecondFactor(ctx.store.db, box, account, code, (seconds + 90) * 1000)).to.deep.equal({ ok: false });
      expect(await verifySecondFactor(ctx.store.db, box, account, code, seconds * 1000)).to.deep.equal({ ok: true, usedRecoveryCode: false });
    });
  }

  it('refuses a code that differs from the RFC value in one digit', async () => {
    const wrong = '287083'; // 94287082 at T = 59, last digit changed
    expect(await verifySecondFactor(ctx.store.db, box, account, wrong, 59_000)).to.deep.equal({ ok: false });
  });
});

/** RFC 4648 base32, written out here so the test does not lean on the library under test. */
function decodeBase32(text: string): number[] {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of text) {
    value = (value << 5) | alphabet.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return out;
}
