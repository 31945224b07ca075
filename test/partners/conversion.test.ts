/** The conversion rule: sales / unique clicks in the same range, "—" without clicks, never above 100% without a reason. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { conversionOf } from '../../src/partners/index.js';
import { createViews } from '../../src/views/index.js';

describe('partners: conversion', () => {
  const cases: Array<[string, number, number, ReturnType<typeof conversionOf>]> = [
    ['no clicks, no sales', 0, 0, undefined],
    ['sales without any click', 3, 0, undefined],
    ['clicks without a sale is 0%, not "—"', 0, 4, { rate: 0, over: false }],
    ['1 sale of 4 clicks', 1, 4, { rate: 0.25, over: false }],
    ['as many sales as clicks', 5, 5, { rate: 1, over: false }],
    ['2 sales of 1 click (the old demo showed 200%)', 2, 1, { rate: 1, over: true }],
  ];
  for (const [name, sales, clicks, want] of cases) {
    it(name, () => expect(conversionOf(sales, clicks)).to.deep.equal(want));
  }

  it('renders "—", a percentage, and 100% with the reason when sales outnumber clicks', () => {
    // A theme template that only includes the shipped partial, as the dashboard and report pages do.
    const theme = mkdtempSync(join(tmpdir(), 'partnergate-conversion-'));
    mkdirSync(join(theme, 'probe'));
    writeFileSync(join(theme, 'probe', 'conversion.hbs'), '{{> conversion c=c}}');
    const views = createViews({ brand: { name: 'T', primaryColor: '#1d4ed8' }, themeDir: theme });
    rmSync(theme, { recursive: true, force: true });
    const render = (c: ReturnType<typeof conversionOf>) => views.render('probe/conversion', { c }).trim();
    expect(render(undefined)).to.equal('—');
    expect(render(conversionOf(0, 3))).to.equal('0.0%');
    expect(render(conversionOf(1, 8))).to.equal('12.5%');
    const over = render(conversionOf(2, 1));
    expect(over).to.match(/^100\.0%<abbr class="note" title="More sales than unique clicks in this period[^"]*">\*<\/abbr>$/);
  });
});
