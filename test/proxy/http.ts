/**
 * A small HTTP client for proxy tests: raw header lists (so `X_Forwarded_User` and `x-forwarded-user` can be
 * sent side by side), no automatic redirects, a cookie jar that behaves like a browser for one host, and the
 * body as bytes.
 */
import { request, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
  text: string;
  json<T = Record<string, unknown>>(): T;
  setCookies: string[];
}

export interface SendOptions {
  method?: string;
  /** Raw header pairs, sent as written (name case and duplicates kept). */
  headers?: Array<[string, string]>;
  body?: Buffer | string;
  jar?: CookieJar;
  timeoutMs?: number;
}

export function send(url: string, opts: SendOptions = {}): Promise<Reply> {
  // Not `new URL()`: it would resolve dot segments and re-encode the path, and tests need to send them as written.
  const parsed = /^http:\/\/([^/?#]+)([^#]*)$/.exec(url);
  if (!parsed) throw new Error(`send: not an http URL: ${url}`);
  const host = parsed[1]!;
  const pathAndQuery = parsed[2] || '/';
  const target = { host, hostname: host.replace(/:\d+$/, ''), port: /:(\d+)$/.exec(host)?.[1] ?? '80', pathname: pathAndQuery.split('?')[0]! };
  const raw: string[] = [];
  if (!(opts.headers ?? []).some(([k]) => k.toLowerCase() === 'host')) raw.push('Host', target.host);
  for (const [k, v] of opts.headers ?? []) raw.push(k, v);
  const cookie = opts.jar?.header(target.pathname);
  if (cookie && !(opts.headers ?? []).some(([k]) => k.toLowerCase() === 'cookie')) raw.push('Cookie', cookie);
  if (opts.body !== undefined && !(opts.headers ?? []).some(([k]) => /^(content-length|transfer-encoding)$/i.test(k))) raw.push('Content-Length', String(Buffer.byteLength(opts.body)));
  return new Promise((resolve, reject) => {
    const req = request({ host: target.hostname, port: target.port, path: pathAndQuery, method: opts.method ?? 'GET', headers: raw, agent: false, setHost: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const setCookies = (res.headers['set-cookie'] ?? []) as string[];
        opts.jar?.store(setCookies);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          body,
          text: body.toString('utf8'),
          json: <T>() => JSON.parse(body.toString('utf8')) as T,
          setCookies,
        });
      });
    });
    req.on('error', reject);
    req.setTimeout(opts.timeoutMs ?? 20_000, () => req.destroy(new Error(`no answer from ${url} in ${opts.timeoutMs ?? 20_000} ms`)));
    req.end(opts.body);
  });
}

interface StoredCookie {
  name: string;
  value: string;
  path: string;
}

/** Cookies of one site, by name and path; expired ones are removed as browsers do. */
export class CookieJar {
  private cookies = new Map<string, StoredCookie>();

  store(setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = '/';
      let expired = false;
      for (const attr of attrs) {
        const [k = '', v = ''] = attr.split('=').map((s) => s.trim());
        if (/^path$/i.test(k)) path = v || '/';
        if (/^max-age$/i.test(k) && Number(v) <= 0) expired = true;
        if (/^expires$/i.test(k) && Date.parse(v) < Date.now()) expired = true;
      }
      const key = `${name}\u0000${path}`;
      if (expired || value === 'deleted') this.cookies.delete(key);
      else this.cookies.set(key, { name, value, path });
    }
  }

  /** The Cookie header for a request path (longest paths first, like browsers). */
  header(path: string): string | undefined {
    const matching = [...this.cookies.values()]
      .filter((c) => path === c.path || path.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .sort((a, b) => b.path.length - a.path.length);
    return matching.length ? matching.map((c) => `${c.name}=${c.value}`).join('; ') : undefined;
  }

  get(name: string): string | undefined {
    for (const c of this.cookies.values()) if (c.name === name) return c.value;
    return undefined;
  }

  names(): string[] {
    return [...new Set([...this.cookies.values()].map((c) => c.name))];
  }
}

/** A multipart/form-data body, built by hand so the exact bytes are known. */
export function multipart(parts: Array<{ name: string; value: string | Buffer; filename?: string; type?: string }>): { body: Buffer; contentType: string } {
  const boundary = `----partnergate${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"`;
    if (p.filename !== undefined) head += `; filename="${p.filename}"\r\nContent-Type: ${p.type ?? 'application/octet-stream'}`;
    chunks.push(Buffer.from(`${head}\r\n\r\n`), Buffer.from(p.value), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Writes raw bytes to a server and returns what it answered until it closed (or `untilText` appeared). */
export function rawExchange(port: number, request: string | Buffer, untilText = '\r\n\r\n'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const done = () => {
      socket.destroy();
      resolve(answer);
    };
    socket.on('data', (d) => {
      answer += d.toString('latin1');
      if (answer.includes(untilText)) done();
    });
    socket.on('end', done);
    socket.on('error', (err) => (answer ? done() : reject(err)));
    socket.setTimeout(10_000, () => socket.destroy(new Error('raw exchange: no answer in 10 s')));
    socket.write(request);
  });
}

/** Polls until `probe` holds; for effects that happen after an event the test cannot observe (a socket closing). */
export async function eventually(what: string, probe: () => boolean | Promise<boolean>, deadlineMs = 5000): Promise<void> {
  const start = Date.now();
  while (!(await probe())) {
    if (Date.now() - start > deadlineMs) throw new Error(`still not true after ${deadlineMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
