/**
 * The SQLite (and aggregate) exports write their CSV lines themselves instead of handing cell arrays to
 * csv-stringify. These cases pin that the bytes are the ones csv-stringify writes for the cells the columns
 * give (the writers below are the straightforward per-cell definitions: `isoUtc`, luxon's local date,
 * `centsToDecimal`, the formula guard), for hostile text and for instants around day, year and 1970 edges.
 */
import { expect } from 'chai';
import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { centsToDecimal, isoUtc } from '../../src/common/index.js';
import { csvLineWriter, UtcInstants, type ColumnSpec } from '../../src/reports/columns.js';
import { csvField } from '../../src/reports/csv-stream.js';
import { neutraliseFormula } from '../../src/reports/index.js';

const COLUMNS: ColumnSpec[] = [
  { header: 'id', kind: 'int' },
  { header: 'at', kind: 'instant' },
  { header: 'day', kind: 'localDate' },
  { header: 'amount', kind: 'money' },
  { header: 'note', kind: 'text' },
  { header: 'date', kind: 'date' },
  { header: 'other', kind: 'text' },
];

/** What each cell is, written the plain way, then csv-stringify with the export's options. */
function expectedLine(row: unknown[], zone: string): string {
  const blank = (v: unknown) => v === null || v === undefined || v === '';
  const cells = [
    blank(row[0]) ? null : String(row[0]),
    blank(row[1]) ? null : isoUtc(row[1] as number),
    blank(row[2]) ? null : DateTime.fromMillis(row[2] as number, { zone }).toISODate(),
    blank(row[3]) ? null : centsToDecimal(row[3] as number),
    blank(row[4]) ? null : neutraliseFormula(String(row[4])),
    blank(row[5]) ? null : String(row[5]),
    blank(row[6]) ? null : neutraliseFormula(String(row[6])),
  ];
  return stringify([cells], { header: false, record_delimiter: '\r\n', quote_record_delimiter: true });
}

const HOSTILE = ['=1+1', ' =HYPERLINK("x")', 'a,b', 'say "hi"', 'line\nbreak', 'cr\rhere', '\r\n@SUM(A1)', '', ' ', "'", 'é😀', '-12.50', '"', ',', '\uFF1D1'];
const INSTANTS = [0, -1, -999, -1000, -86_400_000, 1, 999, 86_399_999, 86_400_000, Date.parse('2024-02-29T23:59:59.999Z'), Date.parse('2026-03-29T01:30:00Z'), Date.parse('1969-12-31T12:00:00.5Z'), 1.5, -0.5, 8.64e15, -8.64e15];

describe('CSV lines written without csv-stringify are byte-identical to csv-stringify', () => {
  it('a table of hostile text cells and edge instants, in UTC and in a zone with DST', () => {
    for (const zone of ['UTC', 'Europe/Berlin', 'America/St_Johns', 'Pacific/Kiritimati']) {
      const line = csvLineWriter(COLUMNS, zone);
      // Instants out of order on purpose: the per-day caches must notice every change of day.
      for (const [i, text] of HOSTILE.entries()) {
        for (const at of INSTANTS) {
          // The local date of the outermost instants is luxon's own edge case, not this writer's: left out.
          const row = [i, at, Math.abs(at) < 8.64e15 ? at : null, -i * 1234, text, text === '' ? null : '2026-03-01', HOSTILE[(i + 3) % HOSTILE.length]];
          expect(line(row), `${zone} ${JSON.stringify(row)}`).to.equal(expectedLine(row, zone));
        }
      }
    }
  });

  it('NULL, undefined and empty text are all an empty field; a row of nothing is only commas', () => {
    const line = csvLineWriter(COLUMNS, 'UTC');
    const row = [null, undefined, null, null, '', null, undefined];
    expect(line(row)).to.equal(',,,,,,\r\n').and.equal(expectedLine(row, 'UTC'));
  });

  it('random rows (fast-check): same bytes as csv-stringify', () => {
    const unit = fc.oneof(fc.constantFrom('=', '+', '-', '@', '\t', '\r', '\n', '"', ',', "'", ' ', '\uFF1D', 'é', '😀', 'a', '1'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }));
    const text = fc.option(fc.string({ unit, maxLength: 12 }));
    const instant = fc.integer({ min: -8.64e15, max: 8.64e15 });
    const near2026 = fc.integer({ min: Date.parse('2025-12-01'), max: Date.parse('2026-12-31') });
    const zone = fc.constantFrom('UTC', 'Europe/Berlin', 'Asia/Kathmandu', 'America/Los_Angeles');
    const row = fc.tuple(fc.option(fc.integer()), fc.option(fc.oneof(instant, near2026)), fc.option(near2026), fc.option(fc.integer({ min: -2e9, max: 2e9 })), text, fc.constant(null), text);
    fc.assert(
      fc.property(zone, fc.array(row, { minLength: 1, maxLength: 20 }), (z, rows) => {
        // One writer per file, as in an export: the day caches carry from row to row.
        const line = csvLineWriter(COLUMNS, z);
        for (const r of rows) expect(line(r)).to.equal(expectedLine(r, z));
      }),
      { numRuns: 200 },
    );
  });

  it('an instant a Date cannot hold fails the export, as isoUtc does', () => {
    expect(() => new UtcInstants().format(8.64e15 + 1)).to.throw(RangeError);
    expect(() => isoUtc(8.64e15 + 1)).to.throw(RangeError);
  });

  it('csvField quotes exactly comma, quote, CR and LF', () => {
    expect(csvField('plain; text\t')).to.equal('plain; text\t');
    expect(csvField('a,b')).to.equal('"a,b"');
    expect(csvField('a"b')).to.equal('"a""b"');
    expect(csvField('a\rb')).to.equal('"a\rb"');
    expect(csvField('a\nb')).to.equal('"a\nb"');
  });
});
