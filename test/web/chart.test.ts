/** The server-rendered bar chart's geometry: bars inside the plot, few short axis labels, whole-number ticks for counts. */
import { expect } from 'chai';
import { barChart } from '../../src/views/pages/chart.js';

describe('web: bar chart model', () => {
  const labels = Array.from({ length: 30 }, (_, i) => `2026-03-${String(i + 1).padStart(2, '0')}`);

  it('keeps every bar inside the plot, scaled to the largest value', () => {
    const m = barChart('c', 'Clicks', labels, [{ name: 'Clicks', className: 'bar-clicks', values: labels.map((_, i) => i) }]);
    expect(m.bars).to.have.length(30);
    const tallest = m.bars.reduce((a, b) => (b.h > a.h ? b : a));
    expect(tallest.title).to.equal('2026-03-30: Clicks 29');
    for (const b of m.bars) {
      expect(b.y + b.h).to.be.closeTo(m.baseline.y, 0.11);
      expect(b.x).to.be.within(m.baseline.x1, m.baseline.x2);
    }
    expect(m.summary).to.equal('Clicks, 30 bar groups from 2026-03-01 to 2026-03-30. Totals: Clicks: 435.');
  });

  it('shows at most 8 short date labels and whole-number ticks for counts', () => {
    const m = barChart('c', 'Clicks', labels, [{ name: 'Clicks', className: 'bar-clicks', values: labels.map((_, i) => i % 2) }]);
    expect(m.xLabels.map((l) => l.text)).to.deep.equal(['Mar 1', 'Mar 5', 'Mar 9', 'Mar 13', 'Mar 17', 'Mar 21', 'Mar 25', 'Mar 29']);
    expect(m.yTicks.map((t) => t.text)).to.deep.equal(['0', '1', '2']);
  });

  it('formats money ticks and draws nothing below zero', () => {
    const m = barChart('e', 'Earnings', ['Jan 2026', 'Feb 2026'], [{ name: 'Earned', className: 'bar-earned', values: [4000, -3000], format: (c) => `$${(c / 100).toFixed(2)}` }]);
    expect(m.yTicks.map((t) => t.text)).to.deep.equal(['$0.00', '$25.00', '$50.00']);
    expect(m.bars[1]!.h).to.equal(0);
    expect(m.bars[1]!.title).to.equal('Feb 2026: Earned $-30.00');
  });
});
