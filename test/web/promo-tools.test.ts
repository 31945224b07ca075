/**
 * The promo tools page and its QR codes (SQLite: the search runs in the service, the same on both stores):
 * tools grouped by program and kind, the GET search and its 400s, the lightbox embed code, the served lightbox
 * script, QR codes of the signed-in partner's own links (decoded back to the link) and the empty state.
 */
import { expect } from 'chai';
import request from 'supertest';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { createTestStore, type TestStore } from '../support/store.js';
import { signInAs, type TestGateway } from '../support/gateway.js';
import type { Fixture } from './fixture.js';
import { decode, flash, getPage, openPartnerCenter } from './helpers.js';

// jsqr is CommonJS whose module.exports is the function (with a `default` copy): NodeNext types see the namespace.
const jsQR = jsQRModule as unknown as typeof jsQRModule.default;

/** The headings of the page from h2 to h4, in order, as "h2 text". */
function headings(html: string): string[] {
  return [...html.matchAll(/<h([234])[^>]*>([\s\S]*?)<\/h\1>/g)].map((m) => `h${m[1]} ${decode(m[2]!.replace(/<[^>]+>/g, '').trim())}`);
}

/** The text a browser shows for escaped HTML text (one level of escaping undone, unlike `decode`). */
function unescapeOnce(s: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#x27': "'", '#39': "'", '#x3D': '=', '#x60': '`' };
  return s.replace(/&(amp|lt|gt|quot|#x27|#39|#x3D|#x60);/g, (_m, e: string) => named[e]!);
}

function binary(res: request.Response, cb: (err: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
}

function readQr(png: Buffer): string | undefined {
  const img = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(img.data), img.width, img.height)?.data;
}

describe('partner center promo tools: search, lightbox embed, QR codes', function () {
  this.timeout(60_000);
  let ts: TestStore;
  let tg: TestGateway;
  let fx: Fixture;
  let cookie: string;
  const get = (path: string) => getPage(tg, cookie, path);

  before(async () => {
    ts = await createTestStore('sqlite');
    ({ tg, fx, cookie } = await openPartnerCenter(ts.store));
  });
  after(async () => {
    await tg?.close();
    await ts?.dispose();
  });

  it('groups the tools by program (own first, then every program) and by kind, and hides other programs\' tools', async () => {
    const res = await get('/partner-center/promo-tools');
    expect(res.status).to.equal(200);
    const tools = headings(res.text).filter((h) => !/QR codes|SubID|referral/.test(h));
    expect(tools).to.deep.equal([
      'h2 For Affiliate', 'h3 Banners', 'h4 Leaderboard banner 728x90', 'h4 Odd banner',
      'h2 For every program', 'h3 Lightboxes', 'h4 Exit lightbox <script>', 'h3 Email swipes', 'h4 Launch email',
    ]);
    expect(res.text).to.not.contain('Silver only pricing link');
  });

  for (const [query, names] of [
    ['q=launch', ['Launch email']],
    ['q=LEADERBOARD+728', ['Leaderboard banner 728x90']],
    ['q=free+chapter', ['Exit lightbox <script>']],
    ['kind=banner', ['Leaderboard banner 728x90', 'Odd banner']],
    ['program=every', ['Exit lightbox <script>', 'Launch email']],
    ['program=every&kind=email', ['Launch email']],
  ] as const) {
    it(`searches server-side: ${query}`, async () => {
      const res = await get(`/partner-center/promo-tools?${query}`);
      expect(res.status).to.equal(200);
      expect(headings(res.text).filter((h) => h.startsWith('h4')).map((h) => h.slice(3))).to.deep.equal(names);
      expect(decode(res.text)).to.contain(names.length === 1 ? '1 promo tool matches.' : `${names.length} promo tools match.`);
    });
  }

  it('speaks the reader\'s language (German and Spanish catalogues), problems included', async () => {
    const de = await request(tg.url).get('/partner-center/promo-tools?kind=poster').set('Cookie', cookie).set('Accept-Language', 'de-DE,de;q=0.9');
    expect(de.status).to.equal(400);
    const text = decode(de.text);
    expect(text).to.contain('<h1>Werbemittel</h1>').and.contain('Für jedes Programm').and.contain('Lightboxen').and.contain('QR-Codes');
    expect(text).to.contain('data-cta="Mehr erfahren" data-close="Schließen">Vorschau</button>');
    expect(flash(de.text)).to.equal('Art: „poster“ ist nicht eine von banner, lightbox, email, link.');
    const es = await request(tg.url).get('/partner-center/promo-tools?q=launch').set('Cookie', cookie).set('Accept-Language', 'es');
    expect(decode(es.text)).to.contain('Herramientas promocionales').and.contain('1 herramienta coincide.').and.contain('Plantillas de correo');
  });

  it('says so when nothing matches', async () => {
    const res = await get('/partner-center/promo-tools?q=nothing-like-this');
    expect(res.status).to.equal(200);
    expect(res.text).to.contain('data-testid="promo-no-match"');
    expect(res.text).to.not.contain('data-testid="promo-empty"');
  });

  for (const [name, query, field, message] of [
    ['an unknown kind', 'kind=poster', 'kind', /Kind: "poster" is not one of banner, lightbox, email, link/],
    ['another program', 'program=SILVER', 'program', /Program: ".*" is not one of/],
    ['a program id that is not a number', 'program=abc', 'program', /Program: "abc"/],
    ['a search too long', `q=${'x'.repeat(101)}`, 'q', /Search: use at most 100 characters/],
    ['a malformed SubID', 'sid=a%20b', 'sid', /SubID: use 1 to 64 letters/],
  ] as const) {
    it(`answers 400 naming the field for ${name}, and still shows every tool`, async () => {
      const q = query.replace('SILVER', String(fx.programs.silver));
      const res = await get(`/partner-center/promo-tools?${q}`);
      expect(res.status).to.equal(400);
      expect(flash(res.text)).to.match(message);
      expect(res.text).to.match(new RegExp(`id="(promo|qr)-${field === 'sid' ? 'sid' : field}"[^>]*aria-invalid="true"`));
      expect(res.text).to.contain('Leaderboard banner 728x90').and.contain('Launch email');
      expect(res.text).to.not.contain('Silver only pricing link');
    });
  }

  it('ships the lightbox as a button with data attributes and the gateway\'s script, never the tool\'s HTML', async () => {
    const res = await get('/partner-center/promo-tools');
    const box = new RegExp(`<textarea id="tool-${fx.promoTools.lightbox}-html"[^>]*>([\\s\\S]*?)</textarea>`).exec(res.text);
    const text = unescapeOnce(box![1]!);
    const link = `${tg.url}/free/?orid=9001&amp;opid=${fx.promoTools.lightbox}`;
    expect(text).to.equal(
      `<button type="button" data-partnergate-lightbox data-link="${link}" data-title="Exit lightbox &lt;script&gt;" data-text="Wait! Free chapter: here">Exit lightbox &lt;script&gt;</button>\n` +
        `<script src="${tg.url}/partner-center/assets/lightbox.js" defer></script>`,
    );
    // The page itself: the preview button runs the same script, loaded from the gateway (no inline script).
    expect(res.text).to.match(/<button type="button" class="secondary" aria-haspopup="dialog"[^>]*data-partnergate-lightbox data-link="[^"]*\/free\/\?orid(=|&#x3D;)9001/);
    expect(res.text).to.contain('<script src="/partner-center/assets/lightbox.js" defer></script>');
    expect(res.text).to.not.match(/<script(?![^>]*src=)/);
    expect(res.text).to.not.contain('<h2>Wait!</h2>');
    expect(res.text).to.not.contain('Exit lightbox <script>');
  });

  it('serves the lightbox script to anyone, cacheable and loadable from partners\' sites, building no HTML', async () => {
    const res = await request(tg.url).get('/partner-center/assets/lightbox.js');
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.match(/javascript/);
    expect(res.headers['cache-control']).to.equal('public, max-age=3600');
    expect(res.headers['cross-origin-resource-policy']).to.equal('cross-origin');
    const js = res.text.replace(/\/\*[\s\S]*?\*\//g, ''); // its comment shows an example URL
    expect(js).to.contain('data-partnergate-lightbox').and.contain("'aria-modal', 'true'");
    expect(js).to.not.match(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function|setAttribute\('style'|fetch\(|XMLHttpRequest|https?:\/\/[a-z]/);
    // Other assets keep helmet's same-origin policy.
    const css = await request(tg.url).get('/partner-center/assets/partnergate.css');
    expect(css.headers['cross-origin-resource-policy']).to.equal('same-origin');
  });

  it('draws QR codes of the partner\'s referral and SubID links (PNG decoded back to the link), cacheable privately', async () => {
    const page = await get('/partner-center/promo-tools');
    expect(decode(page.text)).to.contain('src="/partner-center/promo-tools/qr.svg"').and.contain('href="/partner-center/promo-tools/qr.png?sid=newsletter"');
    for (const [query, want] of [
      ['', `${tg.url}/?orid=9001`],
      ['?sid=newsletter', `${tg.url}/?orid=9001&sid=newsletter`],
      ['?sid=fb-ads&path=%2Fpricing%2F&width=256', `${tg.url}/pricing/?orid=9001&sid=fb-ads`],
    ] as const) {
      const png = await request(tg.url).get(`/partner-center/promo-tools/qr.png${query}`).set('Cookie', cookie).buffer(true).parse(binary);
      expect(png.status, query).to.equal(200);
      expect(png.headers['content-type']).to.equal('image/png');
      expect(png.headers['cache-control']).to.equal('private, max-age=3600');
      expect(readQr(png.body as Buffer), query).to.equal(want);
    }
    const svg = await get('/partner-center/promo-tools/qr.svg?sid=newsletter');
    expect(svg.status).to.equal(200);
    expect(svg.headers['content-type']).to.match(/^image\/svg\+xml/);
    expect(svg.headers['content-disposition']).to.equal('attachment; filename="qr-9001-newsletter.svg"');
    const body = Buffer.isBuffer(svg.body) ? svg.body.toString() : svg.text;
    expect(body).to.match(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/).and.not.match(/<script|on\w+=/i);
    const small = await request(tg.url).get('/partner-center/promo-tools/qr.png?width=128').set('Cookie', cookie).buffer(true).parse(binary);
    expect(PNG.sync.read(small.body as Buffer).width).to.equal(128);
  });

  it('offers the QR code of the link the links page built, and of the referral link', async () => {
    const page = decode((await get('/partner-center/links?path=%2Fpricing%3Fplan%3Dpro&sid=fb-ads')).text);
    const href = /href="(\/partner-center\/promo-tools\/qr\.png\?[^"]+)"/.exec(page)![1]!;
    expect(href).to.equal('/partner-center/promo-tools/qr.png?path=%2Fpricing%3Fplan%3Dpro&sid=fb-ads');
    expect(page).to.contain('href="/partner-center/promo-tools/qr.svg"');
    const png = await request(tg.url).get(href).set('Cookie', cookie).buffer(true).parse(binary);
    expect(readQr(png.body as Buffer)).to.equal(`${tg.url}/pricing?plan=pro&orid=9001&sid=fb-ads`);
  });

  it('takes the partner from the session only: partner B gets B\'s code whatever the query says', async () => {
    const b = await signInAs(tg, fx.b.id);
    const png = await request(tg.url).get('/partner-center/promo-tools/qr.png?orid=9001&partner=1&partnerId=1').set('Cookie', b.cookie).buffer(true).parse(binary);
    expect(png.status).to.equal(200);
    expect(readQr(png.body as Buffer)).to.equal(`${tg.url}/?orid=9002`);
    const anonymous = await request(tg.url).get('/partner-center/promo-tools/qr.svg').redirects(0);
    expect(anonymous.status).to.be.oneOf([302, 303, 401]);
  });

  for (const [name, query, field] of [
    ['a malformed SubID', 'sid=%3Cscript%3E', 'sid'],
    ['a SubID too long', `sid=${'x'.repeat(65)}`, 'sid'],
    ['another site', 'path=https%3A%2F%2Fevil.example.net%2F', 'path'],
    ['a scheme-relative path', 'path=%2F%2Fevil.example.net', 'path'],
    ['a link too long for a QR code', `path=%2F${'a'.repeat(700)}`, 'path'],
    ['a width too small', 'width=16', 'width'],
    ['a width too large', 'width=5000', 'width'],
    ['a width that is not a number', 'width=1e3', 'width'],
  ] as const) {
    it(`refuses a QR code for ${name} with a 400 naming ${field}`, async () => {
      const res = await request(tg.url).get(`/partner-center/promo-tools/qr.png?${query}`).set('Cookie', cookie).set('Accept', 'application/json');
      expect(res.status).to.equal(400);
      expect((res.body as { error: { field?: string } }).error.field).to.equal(field);
    });
  }

  it('shows an honest empty state when the store has no promo tools', async () => {
    await ts.store.db.updateTable('visits').set({ promo_tool_id: null }).execute();
    await ts.store.db.updateTable('commissions').set({ promo_tool_id: null }).execute();
    await ts.store.db.deleteFrom('promo_tools').execute();
    const res = await get('/partner-center/promo-tools');
    expect(res.status).to.equal(200);
    expect(res.text).to.contain('data-testid="promo-empty"').and.contain('There are no promo tools for your program yet.');
    expect(res.text).to.not.contain('role="search"');
    // The QR codes of the partner's own links do not depend on the tools.
    expect(res.text).to.contain('src="/partner-center/promo-tools/qr.svg"');
  });
});
