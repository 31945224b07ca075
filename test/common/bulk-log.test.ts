/**
 * The access log's batching (src/common/bulk-log.ts): several workers share one stdout; to a pipe only writes of
 * up to PIPE_BUF bytes stay whole, so a batch must never be longer unless it is one line (a regular file gets
 * larger batches); and lines are ASCII, so a batch's length in characters is its length in bytes.
 */
import { expect } from 'chai';
import { openSync, closeSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asciiOnly, batchLimitFor, FILE_BATCH, jsonAscii, LineBatch, PIPE_BUF } from '../../src/common/bulk-log.js';
import { mulberry32 } from '../support/random.js';

describe('common: the access log batch', () => {
  for (const limit of [PIPE_BUF, FILE_BATCH]) {
    it(`writes batches of at most ${limit} bytes (or one longer line alone), in order, losing nothing`, () => {
      const writes: string[] = [];
      // The batch reuses its buffer: a chunk is copied out as it is written.
      const batch = new LineBatch({ write: (chunk: Buffer) => writes.push(chunk.toString('latin1')) }, limit);
      const random = mulberry32(7);
      const lines: string[] = [];
      for (let i = 0; i < 2_000; i++) {
        const length = i === 500 ? limit + 900 : i === 501 ? limit : 40 + Math.floor(random() * 700);
        lines.push(`${String(i).padStart(5, '0')}${'x'.repeat(length - 6)}\n`);
      }
      for (const line of lines) batch.write(line);
      batch.flush();
      expect(writes.join('')).to.equal(lines.join(''));
      for (const w of writes) {
        const count = w.split('\n').length - 1;
        expect(Buffer.byteLength(w) <= limit || count === 1, `a write of ${Buffer.byteLength(w)} bytes with ${count} lines`).to.equal(true);
        expect(w.endsWith('\n'), 'a write ends with a whole line').to.equal(true);
      }
      // Batched, not a write per line.
      expect(writes.length).to.be.lessThan(lines.length / 4);
    });
  }

  it('uses the pipe-safe limit for a pipe and the larger one only for a regular file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'partnergate-batch-'));
    const file = openSync(join(dir, 'log'), 'a');
    try {
      expect(batchLimitFor(file)).to.equal(FILE_BATCH);
      expect(new LineBatch({ write() {} }).limit).to.equal(PIPE_BUF);
      // /dev/null, a character device like a terminal: never the large limit.
      const devNull = openSync('/dev/null', 'w');
      expect(batchLimitFor(devNull)).to.equal(PIPE_BUF);
      closeSync(devNull);
      expect(batchLimitFor(1_000_000), 'a closed descriptor').to.equal(PIPE_BUF);
    } finally {
      closeSync(file);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes a string as a JSON literal in ASCII, quoting plain ones as they are', () => {
    const samples = ['', '/page', 'b6f0c1a2-4f1e-4a57-9d3b-2a8c5f6e7d90', 'a"b', 'back\\slash', 'tab\there', '\u0000nul', 'caf\u00e9', '\ud83d lone', 'emoji \u{1F600}', '\u2028', 'del\u007f'];
    for (const s of samples) {
      const literal = jsonAscii(s);
      expect(JSON.parse(literal), literal).to.equal(s);
      expect(Buffer.byteLength(literal), literal).to.equal(literal.length);
    }
    expect(jsonAscii('/page')).to.equal('"/page"');
    // A path shaped to close the string and forge a field stays one string.
    expect(JSON.parse(`{"path":${jsonAscii('/x","status":999,"y":"')}}`)).to.deep.equal({ path: '/x","status":999,"y":"' });
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
