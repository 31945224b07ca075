import { expect } from 'chai';
import { maskEmail } from '../../src/common/email-mask.js';

describe('maskEmail', () => {
  it('keeps the first character and the domain', () => {
    expect(maskEmail('jane@example.com')).to.equal('j***@example.com');
  });

  it('masks the whole address when nothing stands before the last @', () => {
    expect(maskEmail('@example.com')).to.equal('***');
    expect(maskEmail('no-at-sign')).to.equal('***');
  });

  it('keeps a whole character outside the BMP, as PostgreSQL does, never half a surrogate pair', () => {
    expect(maskEmail('\u{10000}x@example.com')).to.equal('\u{10000}***@example.com');
    expect(maskEmail('😀@example.com')).to.equal('😀***@example.com');
  });
});
