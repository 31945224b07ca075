/**
 * Situation 3: does the partner center's own host answer, and are its redirects and cookies right for it?
 * 1. `GET /healthz` answers 200 `{"status":"ok"}` (Partnergate itself, not WordPress or a parking page);
 * 2. `GET /` on that host goes to the partner center on the same host (not to the WordPress site);
 * 3. `GET /partner-center/` sends a signed-out visitor to the sign-in page on the same host, and the cookies it
 *    sets are the host's own (no `Domain=`, so a sibling subdomain can neither read nor set them) and `Secure`
 *    over https.
 * The host is reached at `https://<host>` or, before DNS points there, at `--check-url` with `Host: <host>`.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { HttpGet } from './context.js';

export interface HostCheck {
  check: string;
  ok: boolean;
  detail: string;
}

export const defaultHttpGet: HttpGet = (url, headers = {}) =>
  new Promise((resolve, reject) => {
    const target = new URL(url);
    const https = target.protocol === 'https:';
    const hostHeader = headers.host ?? headers.Host;
    const req = (https ? httpsRequest : httpRequest)(
      target,
      { method: 'GET', headers: { 'user-agent': 'partnergate-migration', ...headers }, timeout: 10_000, ...(https && hostHeader ? { servername: hostHeader.replace(/:\d+$/, '') } : {}) },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (body.length < 65_536) body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
    req.end();
  });

function sameHost(location: string | undefined, origin: string, host: string): { ok: boolean; url: URL | null } {
  if (!location) return { ok: false, url: null };
  try {
    const url = new URL(location, `${origin}/`);
    return { ok: url.host.toLowerCase() === host.toLowerCase(), url };
  } catch {
    return { ok: false, url: null };
  }
}

export async function checkPartnerCenterHost(get: HttpGet, host: string, opts: { checkUrl?: string; secure: boolean }): Promise<HostCheck[]> {
  const scheme = opts.secure ? 'https' : 'http';
  const publicOrigin = `${scheme}://${host}`;
  const reach = opts.checkUrl ? new URL(opts.checkUrl).origin : publicOrigin;
  const headers: Record<string, string> = opts.checkUrl ? { host } : {};
  const checks: HostCheck[] = [];
  const attempt = async (path: string) => {
    try {
      return await get(`${reach}${path}`, headers);
    } catch (err) {
      return { error: (err as Error).message };
    }
  };

  const health = await attempt('/healthz');
  if ('error' in health) {
    checks.push({ check: 'host answers', ok: false, detail: `${publicOrigin}/healthz: ${health.error}` });
    return checks;
  }
  const partnergate = health.status === 200 && /"status"\s*:\s*"ok"/.test(health.body);
  checks.push({ check: 'host answers', ok: partnergate, detail: partnergate ? `${publicOrigin}/healthz answered 200 ok` : `${publicOrigin}/healthz answered ${health.status}, not Partnergate's health check (does the host point at the gateway?)` });
  if (!partnergate) return checks;

  const root = await attempt('/');
  if ('error' in root) checks.push({ check: 'home goes to the partner center', ok: false, detail: root.error });
  else {
    const loc = sameHost(root.headers.location as string | undefined, publicOrigin, host);
    const ok = root.status >= 300 && root.status < 400 && loc.ok && loc.url!.pathname.startsWith('/partner-center');
    checks.push({ check: 'home goes to the partner center', ok, detail: ok ? `/ -> ${loc.url!.pathname} on ${host}` : `/ answered ${root.status}${root.headers.location ? ` -> ${root.headers.location}` : ''} (expected a redirect to /partner-center/ on ${host}; is PARTNERGATE_PARTNER_CENTER_HOST=${host} set?)` });
  }

  const center = await attempt('/partner-center/');
  if ('error' in center) checks.push({ check: 'sign-in stays on the host', ok: false, detail: center.error });
  else {
    const loc = sameHost(center.headers.location as string | undefined, publicOrigin, host);
    const ok = center.status >= 300 && center.status < 400 && loc.ok && loc.url!.pathname.startsWith('/sso/sign-in');
    checks.push({ check: 'sign-in stays on the host', ok, detail: ok ? `/partner-center/ -> ${loc.url!.pathname} on ${host}` : `/partner-center/ answered ${center.status}${center.headers.location ? ` -> ${center.headers.location}` : ''} (expected the sign-in page on ${host})` });
    const cookies = ([] as string[]).concat(center.headers['set-cookie'] ?? []);
    const bad = cookies.filter((c) => /;\s*domain=/i.test(c) || (opts.secure && !/;\s*secure/i.test(c)));
    checks.push({
      check: 'cookies belong to the host',
      ok: bad.length === 0,
      detail: bad.length === 0 ? `${cookies.length} cookies, host-only${opts.secure ? ' and Secure' : ''}` : `cookies not host-only${opts.secure ? ' or not Secure' : ''}: ${bad.map((c) => c.split('=')[0]).join(', ')}`,
    });
  }
  return checks;
}
