/** Which requests are clicks: the table of referral parameters, crawlers, prefetches and cookie values. */
import { expect } from 'chai';
import { CHROME } from './browser.js';
import { attributionIn, formatAttribution, isNotAVisit, isPageLoad, referralOf } from '../../src/tracking/index.js';


describe('tracking: what counts as a click', () => {
  const referrals: Array<[string, string, ReturnType<typeof referralOf>]> = [
    ['a partner link', 'orid=123', { referralCode: '123', promoToolId: null, subId: null }],
    ['a promo tool link with a SubID', 'orid=123&opid=7&sid=spring_mail', { referralCode: '123', promoToolId: 7, subId: 'spring_mail' }],
    ['other site parameters around it', 'utm_source=x&orid=55&page=2', { referralCode: '55', promoToolId: null, subId: null }],
    ['no orid', 'opid=7&sid=x', undefined],
    ['an empty orid', 'orid=&opid=7', undefined],
    ['an orid with a dot or quote', "orid=12.3'", undefined],
    ['an orid over 64 characters', `orid=${'9'.repeat(65)}`, undefined],
    ['a non-numeric promo tool is dropped, the click kept', 'orid=5&opid=abc', { referralCode: '5', promoToolId: null, subId: null }],
    ['promo tool 0 is dropped', 'orid=5&opid=0', { referralCode: '5', promoToolId: null, subId: null }],
    ['a SubID with markup is dropped, the click kept', 'orid=5&sid=%3Cscript%3E', { referralCode: '5', promoToolId: null, subId: null }],
    ['a formula SubID is dropped', 'orid=5&sid=%3DHYPERLINK(1)', { referralCode: '5', promoToolId: null, subId: null }],
    ['a name that merely ends in orid', 'xorid=5', undefined],
    ['a name that ends in orid before the real one', 'xorid=5&orid=6', { referralCode: '6', promoToolId: null, subId: null }],
    ['the first orid wins, as URLSearchParams reads it', 'orid=7&orid=8', { referralCode: '7', promoToolId: null, subId: null }],
    ['percent-escaped letters and digits are decoded', 'orid=%34%32&sid=a%5Fb', { referralCode: '42', promoToolId: null, subId: 'a_b' }],
    ['a broken percent-escape is no orid', 'orid=%E0%A4%A', undefined],
    ['a plus (a space) is no orid', 'orid=4+2', undefined],
  ];
  for (const [name, query, want] of referrals) {
    it(`referral parameters: ${name}`, () => expect(referralOf(query)).to.deep.equal(want));
  }

  const notVisits: Array<[string, string | undefined, Record<string, string>]> = [
    ['HEAD', 'HEAD', { 'user-agent': CHROME }],
    ['POST', 'POST', { 'user-agent': CHROME }],
    ['Googlebot', 'GET', { 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' }],
    ['bingbot', 'GET', { 'user-agent': 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)' }],
    ['facebookexternalhit', 'GET', { 'user-agent': 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)' }],
    ['Slackbot link preview', 'GET', { 'user-agent': 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)' }],
    ['Twitterbot', 'GET', { 'user-agent': 'Twitterbot/1.0' }],
    ['GPTBot', 'GET', { 'user-agent': 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)' }],
    ['a generic crawler', 'GET', { 'user-agent': 'SomeSite crawler 2.0' }],
    ['no user agent', 'GET', {}],
    ['Sec-Purpose: prefetch', 'GET', { 'user-agent': CHROME, 'sec-purpose': 'prefetch' }],
    ['Sec-Purpose: prefetch;prerender', 'GET', { 'user-agent': CHROME, 'sec-purpose': 'prefetch;prerender' }],
    ['Purpose: prefetch', 'GET', { 'user-agent': CHROME, purpose: 'prefetch' }],
    ['X-Moz: prefetch', 'GET', { 'user-agent': CHROME, 'x-moz': 'prefetch' }],
  ];
  for (const [name, method, headers] of notVisits) {
    it(`not a visit: ${name}`, () => expect(isNotAVisit(method, headers)).to.equal(true));
  }
  it('a browser GET is a visit (also a phone whose model name ends in "bot")', () => {
    expect(isNotAVisit('GET', { 'user-agent': CHROME })).to.equal(false);
    expect(isNotAVisit('GET', { 'user-agent': 'Mozilla/5.0 (Linux; Android 10; Cubot X30) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36' })).to.equal(false);
  });

  it('a page load is a document fetch; images, scripts and XHR are not', () => {
    expect(isPageLoad({ 'sec-fetch-dest': 'document' })).to.equal(true);
    expect(isPageLoad({ 'sec-fetch-dest': 'image', accept: 'text/html,*/*' })).to.equal(false);
    expect(isPageLoad({ 'sec-fetch-dest': 'empty' })).to.equal(false);
    expect(isPageLoad({ accept: 'text/html,application/xhtml+xml' })).to.equal(true);
    expect(isPageLoad({ accept: 'image/avif,*/*' })).to.equal(false);
    expect(isPageLoad({})).to.equal(false);
  });

  it('reads back the attribution cookie it writes, and nothing malformed', () => {
    const a = { referralCode: '123', promoToolId: 7, subId: 'x_1', setDay: 20_000, countedDay: 20_001 };
    expect(attributionIn(`a=b; pg_ref=${formatAttribution(a, a.setDay, a.countedDay)}; c=d`, 'pg_ref')).to.deep.equal(a);
    const bare = { referralCode: '9', promoToolId: null, subId: null, setDay: 1, countedDay: 1 };
    expect(formatAttribution(bare, 1, 1)).to.equal('9...1.1');
    expect(attributionIn('pg_ref=9...1.1', 'pg_ref')).to.deep.equal(bare);
    expect(attributionIn('xpg_ref=9...1.1', 'pg_ref')).to.equal(undefined);
    expect(attributionIn('pg_ref=9..<x>.1.1', 'pg_ref')).to.equal(undefined);
    expect(attributionIn('pg_ref=9...1', 'pg_ref')).to.equal(undefined);
    expect(attributionIn('pg_ref=', 'pg_ref')).to.equal(undefined);
  });
});
