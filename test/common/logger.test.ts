/**
 * The access log's batching (src/common/logger.ts): several workers share one stdout pipe, where only writes of up
 * to PIPE_BUF bytes stay whole, so a batch must never be longer unless it is one line; and lines are ASCII, so a
 * batch's length in characters is its length in bytes.
 */
import { expect } from 'chai';
import { asciiOnly, LineBatch, PIPE_BUF } from '../../src/common/logger.js';
import { mulberry32 } from '../support/random.js';

describe('common: the access log batch', () => {
  it('writes batches of at most PIPE_BUF bytes (or one longer line alone), in order, losing nothing', () => {
    const writes: string[] = [];
    const batch = new LineBatch({ write: (text: string) => writes.push(text) });
    const random = mulberry32(7);
    const lines: string[] = [];
    for (let i = 0; i < 2_000; i++) {
      const length = i === 500 ? PIPE_BUF + 900 : i === 501 ? PIPE_BUF : 40 + Math.floor(random() * 700);
      lines.push(`${String(i).padStart(5, '0')}${'x'.repeat(length - 6)}\n`);
    }
    for (const line of lines) batch.write(line);
    batch.flush();
    expect(writes.join('')).to.equal(lines.join(''));
    for (const w of writes) {
      const count = w.split('\n').length - 1;
      expect(Buffer.byteLength(w) <= PIPE_BUF || count === 1, `a write of ${Buffer.byteLength(w)} bytes with ${count} lines`).to.equal(true);
      expect(w.endsWith('\n'), 'a write ends with a whole line').to.equal(true);
    }
    // Batched, not a write per line.
    expect(writes.length).to.be.lessThan(lines.length / 4);
  });

  it('turns every non-ASCII character into a \\u escape: the same JSON value, one byte per character', () => {
    const value = { path: '/caf\u00e9', ip: 'bogus\u00e9', note: 'emoji \u{1F600} and \u2028 separator', plain: 'abc' };
    const json = JSON.stringify(value);
    const ascii = asciiOnly(json);
    expect(Buffer.byteLength(ascii)).to.equal(ascii.length);
    expect(JSON.parse(ascii)).to.deep.equal(value);
    expect(asciiOnly('{"a":"plain"}')).to.equal('{"a":"plain"}');
  });
});
