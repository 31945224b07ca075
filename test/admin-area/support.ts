/**
 * For the admin-area tests: an administrator's session as a completed sign-in (password and TOTP) opens it, and
 * every route of a router with its method and full path, read from the router itself (express 5 layers).
 */
import type { Router } from 'express';
import { csrfTokenFor, openSession } from '../../src/auth/sessions.js';
import type { TestGateway } from '../support/gateway.js';

export interface AdminSession {
  accountId: number;
  cookie: string;
  csrfToken: string;
}

/** An enrolled administrator, signed in with both factors. */
export async function adminSession(tg: TestGateway, email = 'ops@example.test'): Promise<AdminSession> {
  const { db } = tg.gateway.deps.store;
  let account = await db.selectFrom('accounts').select('id').where('email', '=', email).executeTakeFirst();
  account ??= await db
    .insertInto('accounts')
    .values({ partner_id: null, email, role: 'admin', password_hash: null, totp_secret: null, totp_enabled: 1, totp_recovery_json: null, oidc_subject: null, created_at: Date.now(), password_changed_at: null, disabled_at: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  const { cookieValue, session } = await openSession(db, tg.gateway.deps.sessionPolicy, { accountId: account.id, method: 'password' });
  return { accountId: account.id, cookie: `${tg.gateway.deps.cookies.session}=${cookieValue}`, csrfToken: csrfTokenFor(session) };
}

export interface RouteEntry {
  method: string;
  path: string;
}

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
  slash: boolean;
  rawPath?: string;
}

/** Every route below `router`, nested routers included, with the paths they are mounted at. */
export function routesOf(router: Router, prefix = ''): RouteEntry[] {
  const out: RouteEntry[] = [];
  for (const layer of (router as unknown as { stack: Layer[] }).stack) {
    if (layer.route) {
      for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') out.push({ method: method.toUpperCase(), path: prefix + layer.route.path });
    } else if (layer.handle.stack) {
      out.push(...routesOf(layer.handle as unknown as Router, layer.slash ? prefix : prefix + (layer.rawPath ?? '')));
    }
  }
  return out;
}

/** PayPal's result report for the rows of a MassPay file: every payment completed. */
export function paypalResultFor(massPayCsv: string, status = 'Completed'): string {
  const lines = massPayCsv.trim().split(/\r?\n/).map((l) => l.split(','));
  return ['Recipient,Amount,Currency,Status,Transaction ID,Unique ID', ...lines.map(([email, amount, currency, id], i) => `${email},${amount},${currency},${status},TX${i + 1},${id}`)].join('\r\n');
}
