/**
 * Uses a set-password link the way a partner does, with plain HTTP and a small cookie jar: open the link, choose
 * a password, sign in with it. Returns the session cookie value (undefined when sign-in did not open a session).
 */
export class CookieJar {
  private readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  get(name: string): string | undefined {
    return this.cookies.get(name);
  }
}

function csrfIn(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no _csrf field in the page');
  return m[1];
}

async function form(base: string, jar: CookieJar, path: string, fields: Record<string, string>): Promise<Response> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.header(), origin: base, referer: `${base}${path}` },
    body: new URLSearchParams(fields).toString(),
  });
  jar.take(res);
  return res;
}

export async function setPasswordAndSignIn(base: string, link: string, email: string, password: string): Promise<{ jar: CookieJar; setStatus: number; signInStatus: number; signInLocation: string | null }> {
  const jar = new CookieJar();
  const url = new URL(link);
  const page = await fetch(`${base}${url.pathname}${url.search}`, { redirect: 'manual', headers: { cookie: jar.header() } });
  jar.take(page);
  if (page.status !== 200) throw new Error(`set-password page answered ${page.status}`);
  const set = await form(base, jar, url.pathname, { _csrf: csrfIn(await page.text()), token: url.searchParams.get('token')!, new_password: password, new_password_confirm: password });
  const signInPage = await fetch(`${base}/sso/sign-in`, { redirect: 'manual', headers: { cookie: jar.header() } });
  jar.take(signInPage);
  const signIn = await form(base, jar, '/sso/sign-in', { _csrf: csrfIn(await signInPage.text()), email, password });
  return { jar, setStatus: set.status, signInStatus: signIn.status, signInLocation: signIn.headers.get('location') };
}
