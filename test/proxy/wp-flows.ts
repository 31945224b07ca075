/** Browser-like WordPress steps through the gateway, shared by the WordPress integration tests. */
import { deflateSync } from 'node:zlib';
import { CookieJar, send, type Reply } from './http.js';

export const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
export const FORM = ['Content-Type', 'application/x-www-form-urlencoded'] as [string, string];

/** GET wp-login.php (test cookie), then POST the credentials the way the login form does. Returns the POST's answer. */
export async function logIn(base: string, jar: CookieJar, login: string, password: string, redirectTo = `${base}/wp-admin/`): Promise<Reply> {
  const page = await send(`${base}/wp-login.php`, { jar });
  if (page.status !== 200 || !jar.get('wordpress_test_cookie')) throw new Error(`wp-login.php answered ${page.status} without the test cookie`);
  return send(`${base}/wp-login.php`, { jar, method: 'POST', headers: [FORM], body: form({ log: login, pwd: password, 'wp-submit': 'Log In', redirect_to: redirectTo, testcookie: '1' }) });
}

/** The REST nonce for the signed-in user, from admin-ajax.php?action=rest-nonce (what wp-api.js does). */
export async function restNonce(base: string, jar: CookieJar): Promise<string> {
  const r = await send(`${base}/wp-admin/admin-ajax.php?action=rest-nonce`, { jar });
  if (r.status !== 200 || !/^[0-9a-f]{10}$/.test(r.text)) throw new Error(`rest-nonce answered ${r.status}: ${r.text.slice(0, 100)}`);
  return r.text;
}

export function basicAuth(login: string, appPassword: string): [string, string] {
  return ['Authorization', `Basic ${Buffer.from(`${login}:${appPassword}`).toString('base64')}`];
}

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

/** A valid PNG (WordPress checks the image really is one) of w x h pixels with some noise, so every file differs. */
export function png(w: number, h: number, seed: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const rows: Buffer[] = [];
  let x = seed;
  for (let y = 0; y < h; y++) {
    const row = Buffer.alloc(1 + w * 3);
    for (let i = 1; i < row.length; i++) row[i] = x = (x * 1103515245 + 12345) & 0xff;
    rows.push(row);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}

export interface PhpEcho {
  method: string;
  uri: string;
  headers: Record<string, string>;
  get: Record<string, unknown>;
  post: Record<string, unknown>;
  cookies: Record<string, string>;
  files: Array<{ field: string; name: string; type: string; error: number; size: number; sha256: string }>;
  raw: { length: number; sha256: string };
  user: { id: number; login: string | false };
  server: Record<string, string | null>;
}
