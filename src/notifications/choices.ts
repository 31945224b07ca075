/**
 * The partner's notification choices as the settings form sends them: three checkboxes (present = on) and the
 * delivery (`each`: one email per event, `daily`: one digest a day). Anything else is a 400 naming the field.
 */
import { fieldProblem } from '../common/index.js';
import { t } from '../i18n/index.js';
import { readPrefs, writePrefs, type Db, type NotificationPrefs } from './events.repo.js';

const CHECKBOXES = { notify_new_commission: 'newCommission', notify_approved: 'approved', notify_payout: 'payout' } as const;

function checkbox(body: Record<string, unknown>, field: string, locale: string): boolean {
  const v = body[field];
  if (v === undefined) return false;
  if (v === 'on' || v === '1') return true;
  throw fieldProblem(field, t(locale, 'settings:notify.invalidCheckbox', { field }));
}

/** Problems are written in `locale`, the language of the partner who sent the form. */
export function parseChoices(body: Record<string, unknown>, locale = 'en'): NotificationPrefs {
  const out = { digest: false } as NotificationPrefs;
  for (const [field, key] of Object.entries(CHECKBOXES)) out[key] = checkbox(body, field, locale);
  const delivery = body.notify_delivery;
  if (delivery !== 'each' && delivery !== 'daily') throw fieldProblem('notify_delivery', t(locale, 'settings:notify.invalidDelivery'));
  out.digest = delivery === 'daily';
  return out;
}

export async function saveNotificationChoices(db: Db, partnerId: number, body: Record<string, unknown>, now: number, locale = 'en'): Promise<NotificationPrefs> {
  const prefs = parseChoices(body, locale);
  await writePrefs(db, partnerId, prefs, now);
  return prefs;
}

export { readPrefs as notificationChoices };
