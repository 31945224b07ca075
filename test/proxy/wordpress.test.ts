/**
 * A real WordPress (Debian's 6.1, MariaDB, php -S, wp-shim as mu-plugin) behind a real gateway, situation 2:
 * WordPress is served under the gateway's origin with the client's Host preserved. Every flow goes through the
 * gateway exactly as a browser would.
 */
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createTestStore, type TestStore } from '../support/store.js';
import { startWordPress, type WordPress } from '../support/wordpress.js';
import { CookieJar, multipart, send } from './http.js';
import { basicAuth, form, FORM, logIn, png, restNonce, type PhpEcho } from './wp-flows.js';

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

describe('proxy: a real WordPress through the gateway', function () {
  this.timeout(60_000);
  let wp: WordPress;
  let ts: TestStore;
  let gw: TestGateway;
  let base: string;
  let admin: CookieJar;

  before(async () => {
    wp = await startWordPress();
    ts = await createTestStore('sqlite');
    gw = await startTestGateway(ts.store, wp.gatewayEnv());
    base = gw.url;
    expect(base).to.equal(wp.publicOrigin);
    admin = new CookieJar();
    const login = await logIn(base, admin, wp.admin.login, wp.admin.password);
    expect(login.status, login.text.slice(0, 300)).to.equal(302);
  });
  after(async () => {
    await gw?.close();
    await ts?.dispose();
  });

  it('serves the front page, a post and a static file (byte for byte)', async () => {
    const home = await send(`${base}/`);
    expect(home.status).to.equal(200);
    expect(home.text).to.contain('Partnergate test site').and.to.contain('Hello world!');
    const post = await send(`${base}/hello-world/`);
    expect(post.status).to.equal(200);
    expect(post.text).to.contain('id="commentform"');
    const css = await send(`${base}/wp-includes/css/dashicons.min.css`);
    expect(css.status).to.equal(200);
    expect(css.headers['content-type']).to.match(/^text\/css/);
    expect(css.body.equals(readFileSync('/usr/share/wordpress/wp-includes/css/dashicons.min.css'))).to.equal(true);
  });

  it('keeps WordPress redirects on the public origin (canonical redirect, wp-admin without a session)', async () => {
    const r = await send(`${base}/?p=${wp.helloPostId}`);
    expect(r.status).to.equal(301);
    expect(r.headers.location).to.equal(`${base}/hello-world/`);
    const admin302 = await send(`${base}/wp-admin/`);
    expect(admin302.status).to.equal(302);
    expect(admin302.headers.location).to.match(new RegExp(`^${base}/wp-login\\.php\\?redirect_to=`));
  });

  it('logs in through wp-login.php: test cookie, auth cookies with their paths, redirect to wp-admin, dashboard', async () => {
    const jar = new CookieJar();
    const r = await logIn(base, jar, wp.admin.login, wp.admin.password);
    expect(r.status).to.equal(302);
    expect(r.headers.location).to.equal(`${base}/wp-admin/`);
    const hash = createHash('md5').update(base).digest('hex');
    expect(r.setCookies.some((c) => c.startsWith(`wordpress_logged_in_${hash}=`) && /path=\/;/i.test(c) && /HttpOnly/i.test(c))).to.equal(true);
    expect(r.setCookies.some((c) => c.startsWith(`wordpress_${hash}=`) && /path=\/wp-admin;/i.test(c))).to.equal(true);
    const dashboard = await send(`${base}/wp-admin/`, { jar });
    expect(dashboard.status).to.equal(200);
    expect(dashboard.text).to.contain('<h1>Dashboard</h1>');
  });

  it('refuses a wrong password with the login form again and no session cookie', async () => {
    const jar = new CookieJar();
    const r = await logIn(base, jar, wp.admin.login, 'not-the-password');
    expect(r.status).to.equal(200);
    expect(r.text).to.contain('login_error');
    expect(jar.names().some((n) => n.startsWith('wordpress_logged_in_'))).to.equal(false);
  });

  it('posts a comment as a visitor and shows it on the post', async () => {
    const text = `A comment through the gateway ${randomBytes(4).toString('hex')}`;
    const r = await send(`${base}/wp-comments-post.php`, {
      method: 'POST',
      headers: [FORM],
      body: form({ comment: text, author: 'Visitor', email: 'visitor@example.test', url: '', comment_post_ID: String(wp.helloPostId), comment_parent: '0', submit: 'Post Comment' }),
    });
    expect(r.status).to.equal(302);
    expect(r.headers.location).to.match(new RegExp(`^${base}/hello-world/(\\?[^#]*)?#comment-\\d+$`));
    const post = await send(`${base}/hello-world/`);
    expect(post.text).to.contain(text);
  });

  it('uploads media in wp-admin (media-new.php nonce, multipart to async-upload.php) and serves the file back identical', async () => {
    const page = await send(`${base}/wp-admin/media-new.php`, { jar: admin });
    const nonce = /"multipart_params":\{[^}]*"_wpnonce":"([0-9a-f]+)"/.exec(page.text)?.[1];
    expect(nonce, 'media-form nonce on media-new.php').to.be.a('string');
    const image = png(64, 48, 7);
    const { body, contentType } = multipart([
      { name: 'name', value: 'gateway-upload.png' },
      { name: 'post_id', value: '0' },
      { name: '_wpnonce', value: nonce! },
      { name: 'type', value: '' },
      { name: 'tab', value: '' },
      { name: 'short', value: '1' },
      { name: 'async-upload', value: image, filename: 'gateway-upload.png', type: 'image/png' },
    ]);
    const upload = await send(`${base}/wp-admin/async-upload.php`, { jar: admin, method: 'POST', headers: [['Content-Type', contentType]], body });
    expect(upload.status).to.equal(200);
    const id = Number(upload.text.trim());
    expect(id, upload.text.slice(0, 200)).to.be.greaterThan(0);
    const media = await send(`${base}/wp-json/wp/v2/media/${id}`, { headers: [basicAuth(wp.admin.login, wp.admin.appPassword)] });
    const source = media.json<{ source_url: string }>().source_url;
    expect(source.startsWith(`${base}/wp-content/uploads/`)).to.equal(true);
    const file = await send(source);
    expect(file.status).to.equal(200);
    expect(file.body.equals(image)).to.equal(true);
  });

  it('answers REST with cookie auth only with X-WP-Nonce, and gives the public Location for a created post', async () => {
    const withoutNonce = await send(`${base}/wp-json/wp/v2/users/me`, { jar: admin });
    expect(withoutNonce.status).to.equal(401);
    const nonce = await restNonce(base, admin);
    const me = await send(`${base}/wp-json/wp/v2/users/me`, { jar: admin, headers: [['X-WP-Nonce', nonce]] });
    expect(me.status).to.equal(200);
    expect(me.json<{ id: number }>().id).to.equal(wp.admin.id);
    const created = await send(`${base}/wp-json/wp/v2/posts`, {
      jar: admin,
      method: 'POST',
      headers: [['X-WP-Nonce', nonce], ['Content-Type', 'application/json']],
      body: JSON.stringify({ title: 'Made through the gateway', status: 'draft', content: 'a[b]=1 & ✓' }),
    });
    expect(created.status).to.equal(201);
    const post = created.json<{ id: number; content: { raw?: string } }>();
    expect(created.headers.location).to.equal(`${base}/wp-json/wp/v2/posts/${post.id}`);
  });

  it('answers admin-ajax calls: the core heartbeat for visitors and a plugin action for a signed-in user', async () => {
    const beat = await send(`${base}/wp-admin/admin-ajax.php`, { method: 'POST', headers: [FORM], body: form({ action: 'heartbeat', 'data[probe]': '1', interval: '60' }) });
    expect(beat.status).to.equal(200);
    expect(beat.json<{ server_time: number }>().server_time).to.be.a('number');
    const echo = await send(`${base}/wp-admin/admin-ajax.php`, { jar: admin, method: 'POST', headers: [FORM], body: 'action=pg_echo&list[]=a&list[]=b' });
    const seen = echo.json<PhpEcho>();
    expect(seen.user.login).to.equal(wp.admin.login);
    expect(seen.post).to.deep.equal({ action: 'pg_echo', list: ['a', 'b'] });
  });

  it('delivers PHP form arrays byte for byte ($_POST structure and raw body hash)', async () => {
    const body = 'a[b]=1&a[c][]=2&a[c][]=3&a[d][e][f]=deep&check=%E2%9C%93&plus=a+b&amp=%26&empty=&dup=1&dup=2';
    const r = await send(`${base}/?pg_echo=request`, { method: 'POST', headers: [FORM], body });
    const seen = r.json<PhpEcho>();
    expect(seen.raw).to.deep.equal({ length: Buffer.byteLength(body), sha256: sha256(body) });
    expect(seen.post).to.deep.equal({ a: { b: '1', c: ['2', '3'], d: { e: { f: 'deep' } } }, check: '✓', plus: 'a b', amp: '&', empty: '', dup: '2' });
  });

  it('delivers a multipart upload byte for byte: files (also as arrays) and fields', async () => {
    const one = randomBytes(300_000);
    const two = Buffer.from('plain text\r\n--not-a-boundary\r\n', 'utf8');
    const { body, contentType } = multipart([
      { name: 'title', value: 'Ünïcode ✓' },
      { name: 'meta[size]', value: 'large' },
      { name: 'docs[]', value: one, filename: 'one.bin' },
      { name: 'docs[]', value: two, filename: 'two.txt', type: 'text/plain' },
    ]);
    const r = await send(`${base}/?pg_echo=request`, { method: 'POST', headers: [['Content-Type', contentType]], body });
    const seen = r.json<PhpEcho>();
    expect(seen.post).to.deep.equal({ title: 'Ünïcode ✓', meta: { size: 'large' } });
    expect(seen.files.map((f) => [f.field, f.name, f.size, f.sha256, f.error])).to.deep.equal([
      ['docs[0]', 'one.bin', one.length, sha256(one), 0],
      ['docs[1]', 'two.txt', two.length, sha256(two), 0],
    ]);
  });

  it('delivers a 6 MB raw upload byte for byte', async () => {
    const body = randomBytes(6 * 1024 * 1024);
    const r = await send(`${base}/?pg_echo=request`, { method: 'POST', headers: [['Content-Type', 'application/octet-stream']], body });
    expect(r.json<PhpEcho>().raw).to.deep.equal({ length: body.length, sha256: sha256(body) });
  });

  it('passes the query string and cookies unchanged, minus the gateway\'s own cookies', async () => {
    const query = '?pg_echo=request&a[]=1&a[]=2&s=%E2%9C%93&plus=a+b';
    const r = await send(`${base}/some/pretty/path/${query}`, { headers: [['Cookie', `wp_thing=a%20b; pg_session=abc; other=2; pg_csrf=${'x'.repeat(43)}`]] });
    const seen = r.json<PhpEcho>();
    expect(seen.uri).to.equal(`/some/pretty/path/${query}`);
    expect(seen.get).to.deep.equal({ pg_echo: 'request', a: ['1', '2'], s: '✓', plus: 'a b' });
    expect(seen.cookies).to.deep.equal({ wp_thing: 'a b', other: '2' });
    expect(seen.headers.HTTP_COOKIE).to.equal('wp_thing=a%20b; other=2');
  });
});
