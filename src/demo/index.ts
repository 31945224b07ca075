/**
 * Demo data: a deterministic, believable partner program (a three-level tier ladder, partners with skewed
 * activity, referred contacts, commissions in every status with payouts and clawbacks, clicks with SubIDs,
 * promo tools of every kind, subscriptions) loaded at bulk speed into SQLite or PostgreSQL.
 * `seedIfEmpty` seeds a small set for `npm start`, with a known demo partner account (`DEMO_LOGIN`) and admin.
 */
export { generateDemoData, type DemoOptions, type DemoSummary } from './generate.js';
export { DEMO_ADMIN_LOGIN, DEMO_LOGIN, STARTER_DEMO, createDemoAccounts, seedIfEmpty } from './seed.js';
export { hostileContactName, hostileSubIds } from './catalog.js';
