/** Display of stored UTC instants in the partner's zone (`formatLocal`, used by every page's dates). */
import { expect } from 'chai';
import { DateTime } from 'luxon';
import { formatLocal } from '../../src/common/index.js';

// Intl separates "12:05" from "AM" with a narrow no-break space in some ICU versions and a space in others.
const plain = (s: string) => s.replace(/\u202f/g, ' ');

describe('common: formatLocal', () => {
  const lateEvening = Date.UTC(2026, 2, 1, 3, 5); // 1 March 03:05 UTC = 28 February 22:05 in New York

  it('shows the calendar date of the partner zone, not of UTC', () => {
    expect(formatLocal(lateEvening, 'UTC')).to.equal('Mar 1, 2026');
    expect(formatLocal(lateEvening, 'America/New_York')).to.equal('Feb 28, 2026');
    expect(formatLocal(lateEvening, 'Asia/Kathmandu')).to.equal('Mar 1, 2026');
  });

  it('shows the local time with the date when asked, across a DST change', () => {
    expect(plain(formatLocal(lateEvening, 'America/New_York', true))).to.equal('Feb 28, 2026, 10:05 PM');
    expect(plain(formatLocal(lateEvening, 'Asia/Kathmandu', true))).to.equal('Mar 1, 2026, 8:50 AM');
    // 8 March 2026 07:30 UTC: New York has just moved to EDT (UTC-4).
    expect(plain(formatLocal(Date.UTC(2026, 2, 8, 7, 30), 'America/New_York', true))).to.equal('Mar 8, 2026, 3:30 AM');
  });

  it('keeps zones and styles apart when formatters are reused', () => {
    const seen = ['UTC', 'America/New_York', 'UTC', 'America/New_York'].map((z) => formatLocal(lateEvening, z));
    expect(seen).to.deep.equal(['Mar 1, 2026', 'Feb 28, 2026', 'Mar 1, 2026', 'Feb 28, 2026']);
    expect(formatLocal(lateEvening, 'UTC', true)).to.not.equal(formatLocal(lateEvening, 'UTC'));
  });

  it('agrees with luxon (which the rest of the time code uses) over 56 years in zones with odd offsets', () => {
    const zones = ['UTC', 'America/St_Johns', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Europe/Berlin'];
    let compared = 0;
    for (const zone of zones) {
      for (let ms = 0; ms < Date.UTC(2026, 0, 1); ms += 86_400_000 * 97 + 3_600_000 * 7 + 60_000 * 13) {
        const d = DateTime.fromMillis(ms, { zone });
        expect(plain(formatLocal(ms, zone)), `${zone} ${ms}`).to.equal(plain(d.toLocaleString(DateTime.DATE_MED)));
        expect(plain(formatLocal(ms, zone, true)), `${zone} ${ms}`).to.equal(plain(d.toLocaleString(DateTime.DATETIME_MED)));
        compared++;
      }
    }
    expect(compared).to.be.greaterThan(1000);
  });

  it('says "Invalid DateTime" for a zone nobody knows or an instant out of range, instead of throwing', () => {
    expect(formatLocal(lateEvening, 'Nowhere/Atlantis')).to.equal('Invalid DateTime');
    expect(formatLocal(9e15, 'UTC')).to.equal('Invalid DateTime');
  });
});
