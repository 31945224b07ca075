/**
 * Every figure the demo generator writes must also have a production writer, so that the partner center shows
 * nothing on real data that only demo data could fill (clicks were such a figure until the gateway recorded
 * them). Read from the source: a writer is an `insertInto('<table>')`, an `upsertMirrored(..., '<table>', ...)`
 * (the Ontraport sync) or an `insert into <table>` outside src/demo.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect } from 'chai';
import { demoTables } from '../../src/demo/bulk-sink.js';

const SRC = new URL('../../src/', import.meta.url).pathname;

/** Tables without a production writer yet, with why; this list may only shrink. */
const KNOWN_GAPS: Record<string, string> = {};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function writersOf(table: string, files: Array<{ path: string; text: string }>): string[] {
  const pattern = new RegExp(`insertInto\\(['"]${table}['"]\\)|upsertMirrored\\([^,]+,\\s*['"]${table}['"]|insert into ${table}\\b`);
  return files.filter((f) => pattern.test(f.text)).map((f) => f.path);
}

describe('tracking: no figure that only demo data can write', () => {
  const files = sourceFiles(SRC)
    .map((path) => ({ path: relative(SRC, path), text: readFileSync(path, 'utf8') }))
    .filter((f) => !f.path.startsWith('demo/'));

  it('clicks (visits) are written by the gateway\'s click recorder', () => {
    expect(writersOf('visits', files)).to.deep.equal(['tracking/visits.repo.ts']);
  });

  it('payouts are written by the payouts service (Ontraport\'s paid commissions, confirmed MassPay files)', () => {
    expect(writersOf('payouts', files)).to.deep.equal(['payouts/payouts.repo.ts']);
  });

  for (const table of demoTables) {
    if (table in KNOWN_GAPS) continue;
    it(`${table}: a production path writes it too`, () => expect(writersOf(table, files), table).to.not.be.empty);
  }

  it('lists as known gaps only tables that still have no production writer', () => {
    for (const table of Object.keys(KNOWN_GAPS)) expect(writersOf(table, files), `${table} has a writer now: remove it from KNOWN_GAPS`).to.deep.equal([]);
  });
});
