/** Confirmation links go to the host that holds the session cookie. */
import { expect } from 'chai';
import { partnerCenterOrigin } from '../../src/accounts/index.js';

describe('web: confirmation link origin', () => {
  it('is the partner center host when it has its own, else the public URL', () => {
    expect(partnerCenterOrigin({ publicUrl: 'https://www.example.com/' })).to.equal('https://www.example.com');
    expect(partnerCenterOrigin({ publicUrl: 'https://www.example.com', partnerCenterHost: 'partners.example.com' })).to.equal('https://partners.example.com');
  });
});
