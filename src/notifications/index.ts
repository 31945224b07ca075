/**
 * Partner notifications (docs/payouts.md): events about a partner's money are recorded where they happen (the
 * Ontraport sync sees a commission appear or get approved; a payout is recorded), in the same transaction, once
 * per event key; `deliverNotifications` turns them into outbox emails or a daily digest, as the partner chose.
 */
export { recordEvents, eventKey, readPrefs, writePrefs, DEFAULT_PREFS, type NewPartnerEvent, type NotificationPrefs } from './events.repo.js';
export { commissionEvents } from './commission-events.js';
export { deliverNotifications, type DeliverDeps, type DeliverResult } from './deliver.js';
export { saveNotificationChoices, notificationChoices, parseChoices } from './choices.js';
