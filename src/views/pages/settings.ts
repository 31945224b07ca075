/**
 * `/partner-center/settings` and its forms: PayPal email and sign-in email (confirmed from a link sent to the new
 * address: GET shows what the link would change, POST applies it), language and time zone; the password form posts to the
 * auth capability's `POST /sso/password`. Every POST carries the CSRF token (checked by the app's
 * csrfProtection before these handlers run).
 */
import type { Request, RequestHandler, Response } from 'express';
import type { GatewayDeps } from '../../deps.js';
import { AppError } from '../../common/index.js';
import { partnerCenterOrigin } from '../../accounts/index.js';
import { confirmPassword } from '../../auth/index.js';
import { processEmailOutbox } from '../../mail/index.js';
import {
  MAX_ACTIVE_API_KEYS, accountEmailOf, changeLocale, changeTimeZone, listApiKeys, confirmEmailChange, freshOidcSignIn, peekEmailChange, pendingChanges, requestEmailChange, timeZoneNames,
  type Actor, type ChangeKind, type SettingsDeps,
} from '../../partners/index.js';
import { notificationChoices, saveNotificationChoices } from '../../notifications/index.js';
import { catalogues, languageName, t } from '../../i18n/index.js';
import { layoutModel, partnerOf, render } from './common.js';
import type { Problem } from './input.js';

export function settingsDeps(deps: GatewayDeps, req: Request): SettingsDeps {
  return {
    db: deps.store.db,
    storeKind: deps.store.kind,
    now: deps.now,
    publicUrl: partnerCenterOrigin(deps.config),
    tokenTtlMinutes: deps.config.tokenTtlMinutes,
    dataKeys: deps.config.dataKeys,
    providerName: deps.config.oidcProviderName,
    confirmPassword: (session, password) => confirmPassword(deps, { session, password, ip: req.ip ?? null, userAgent: req.headers['user-agent'] ?? null, requestId: req.ctx.id }),
  };
}

export function actorOf(req: Request, res: Response): Actor {
  const session = req.ctx.session;
  if (!session) throw new AppError('auth.required', 'Please sign in.');
  return { session, partnerId: partnerOf(res).id, ip: req.ip ?? null, requestId: req.ctx.id, locale: req.ctx.locale };
}

/** Sends queued emails now instead of waiting for the next outbox run; failures stay queued and are logged. */
export function kickMailOutbox(deps: GatewayDeps, req: Request): void {
  processEmailOutbox({ db: deps.store.db, keys: deps.config.dataKeys, transport: deps.mail, views: deps.views, logger: deps.logger }, { now: deps.now }).catch((err: unknown) => {
    req.ctx.log.warn({ err }, 'email outbox run after a settings change failed; the emails stay queued');
  });
}

/** The `?done=` values a settings form redirects with, each a `settings:notice.<done>` message. */
const notices = new Set(['paypal-sent', 'paypal-changed', 'email-sent', 'email-changed', 'password-changed', 'time-zone-changed', 'notifications-changed', 'language-changed', 'api-key-revoked']);

interface SettingsView {
  status?: number;
  problems?: Problem[];
  notice?: string;
  values?: Record<string, string>;
  /** A key just made: shown this once. */
  newApiKey?: { key: string; name: string };
}

export async function renderSettings(req: Request, res: Response, deps: GatewayDeps, view: SettingsView = {}): Promise<void> {
  const partner = partnerOf(res);
  const d = settingsDeps(deps, req);
  const session = req.ctx.session!;
  const [account, pending, notify, apiKeys] = await Promise.all([
    accountEmailOf(d, session.account_id), pendingChanges(d, session.account_id), notificationChoices(deps.store.db, partner.id), listApiKeys(deps.store.db, partner.id),
  ]);
  const zoneSetting = partner.timeZoneSetting ?? '';
  render(
    res,
    deps,
    'pages/settings',
    {
      ...layoutModel(req, partner, { title: t(req.ctx.locale, 'settings:title'), current: 'settings', problems: view.problems, notice: view.notice }),
      paypalEmail: partner.paypalEmail,
      loginEmail: account.email,
      hasPassword: account.hasPassword,
      freshOidc: freshOidcSignIn(session, deps.now()),
      providerName: deps.config.oidcProviderName,
      reauthHref: `/sso/confirm?rd=${encodeURIComponent('/partner-center/settings')}`,
      passwordRd: '/partner-center/settings?done=password-changed',
      pendingPaypal: pending.find((p) => p.kind === 'paypal'),
      pendingLogin: pending.find((p) => p.kind === 'login_email'),
      defaultTimeZone: deps.config.defaultTimeZone,
      timeZones: timeZoneNames().map((z) => ({ value: z, selected: z === zoneSetting })),
      usesDefaultZone: zoneSetting === '',
      languages: catalogues().languages.map((l) => ({ value: l, name: languageName(l), selected: l === partner.localeSetting })),
      usesBrowserLanguage: partner.localeSetting === null || catalogues().supported(partner.localeSetting) === undefined,
      effectiveZone: partner.timeZone,
      values: view.values ?? {},
      notify,
      apiKeys: apiKeys.map((k) => ({ ...k, active: k.revokedAt === null })),
      apiKeyMax: MAX_ACTIVE_API_KEYS,
      newApiKey: view.newApiKey,
    },
    view.status ?? 200,
  );
}

export function settingsPage(deps: GatewayDeps): RequestHandler {
  return async (req, res) => {
    const done = typeof req.query.done === 'string' && notices.has(req.query.done) ? t(req.ctx.locale, `settings:notice.${req.query.done}`) : undefined;
    await renderSettings(req, res, deps, { notice: done });
  };
}

/** Runs a form action; an AppError naming a field re-renders the settings page with it next to the field. */
export async function formAction(
  req: Request, res: Response, deps: GatewayDeps, values: Record<string, string>, action: () => Promise<string>, answer?: () => Promise<void>,
): Promise<void> {
  try {
    const done = await action();
    // Most forms redirect to a notice; one whose result must be shown once (a new API key) answers itself.
    if (answer) return await answer();
    res.redirect(303, `/partner-center/settings?done=${done}`);
  } catch (err) {
    // Bad input, a wrong password, too many tries: the settings page again, the message next to the field.
    if (err instanceof AppError && err.status < 500 && err.code !== 'auth.required' && err.code !== 'auth.csrf_failed') {
      for (const [k, v] of Object.entries(err.details.headers ?? {})) res.setHeader(k, v);
      const field = err.field ?? (err.code === 'auth.throttled' ? 'current_password' : 'form');
      await renderSettings(req, res, deps, { status: err.status, problems: [{ field, message: err.message }], values });
      return;
    }
    throw err;
  }
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

export function requestChangeAction(deps: GatewayDeps, kind: ChangeKind): RequestHandler {
  return async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const field = kind === 'paypal' ? 'paypal_email' : 'login_email';
    await formAction(req, res, deps, { form: kind === 'paypal' ? 'paypal' : 'login', [field]: str(body[field]).slice(0, 300) }, async () => {
      await requestEmailChange(settingsDeps(deps, req), actorOf(req, res), partnerOf(res), kind, { email: body[field], currentPassword: body.current_password });
      kickMailOutbox(deps, req);
      return kind === 'paypal' ? 'paypal-sent' : 'email-sent';
    });
  };
}

const confirmPaths: Record<ChangeKind, string> = { paypal: '/partner-center/settings/paypal/confirm', login_email: '/partner-center/settings/email/confirm' };

/** GET of a confirmation link: shows what it would change and a button; nothing changes on GET (mail scanners open links). */
export function confirmChangePage(deps: GatewayDeps, kind: ChangeKind): RequestHandler {
  return async (req, res) => {
    const partner = partnerOf(res);
    const token = typeof req.query.token === 'string' ? req.query.token : '';
    try {
      const change = await peekEmailChange(settingsDeps(deps, req), actorOf(req, res), kind, token);
      render(res, deps, 'pages/confirm-change', {
        ...layoutModel(req, partner, { title: t(req.ctx.locale, kind === 'paypal' ? 'settings:confirm.titlePaypal' : 'settings:confirm.titleLogin'), current: 'settings' }),
        isPaypal: kind === 'paypal',
        newValue: change.newValue,
        expiresAt: change.expiresAt,
        action: confirmPaths[kind],
        token,
      });
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'auth.token_invalid') throw err;
      await renderSettings(req, res, deps, { status: 400, problems: [{ field: 'token', message: err.message }] });
    }
  };
}

export function confirmChangeAction(deps: GatewayDeps, kind: ChangeKind): RequestHandler {
  return async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    await formAction(req, res, deps, {}, async () => {
      await confirmEmailChange(settingsDeps(deps, req), actorOf(req, res), kind, body.token);
      kickMailOutbox(deps, req);
      return kind === 'paypal' ? 'paypal-changed' : 'email-changed';
    });
  };
}

/** A one-field settings form: `apply` runs on the posted body inside {@link formAction}, then the `done` notice. */
function settingsForm(deps: GatewayDeps, form: string, done: string, apply: (req: Request, res: Response, body: Record<string, unknown>) => Promise<unknown>): RequestHandler {
  return async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    await formAction(req, res, deps, { form }, async () => {
      await apply(req, res, body);
      return done;
    });
  };
}

export function changeTimeZoneAction(deps: GatewayDeps): RequestHandler {
  return settingsForm(deps, 'tz', 'time-zone-changed', (req, res, body) => changeTimeZone(settingsDeps(deps, req), actorOf(req, res), body.time_zone));
}

/** The language form: one of the loaded catalogues' languages, or '' for the browser's. */
export function changeLocaleAction(deps: GatewayDeps): RequestHandler {
  return settingsForm(deps, 'language', 'language-changed', (req, res, body) => changeLocale(settingsDeps(deps, req), actorOf(req, res), body.locale));
}

/** The notification choices form (CSRF-checked like every POST): which events send an email, and how. */
export function changeNotificationsAction(deps: GatewayDeps): RequestHandler {
  return settingsForm(deps, 'notifications', 'notifications-changed', (req, res, body) => saveNotificationChoices(deps.store.db, actorOf(req, res).partnerId, body, deps.now(), req.ctx.locale));
}
