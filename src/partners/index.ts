/**
 * The partner center's domain: what one signed-in partner may see and change. Every function takes the
 * partner id from the caller (which takes it from the session) and scopes every query to it.
 * - profile: the partner as pages show it (name, program, currency, time zone)
 * - dashboard: money by status, this month, all time, activity over a period, tier ladder position
 * - lists: referred contacts, commissions (pending / paid / by status / by product), open orders
 * - earnings: the ledger with running balance; reports: clicks, leads, sales, conversion, earnings by bucket,
 *   promo tool or SubID; links and promo tools with the partner's tracked links, searched and grouped by
 *   program and kind, the lightbox embed, QR codes of the partner's links
 * - account settings: PayPal and sign-in email changes confirmed by link, time zone
 * - center setup: which pages the menu offers (the `partner_center.setup` record migrations create), and the
 *   menu itself (`NAV_ITEMS`, `enabledNavItems`), shared by the partner center pages and the blocks pages
 */
export { partnerProfileOf, timeZoneNames, validTimeZone, type PartnerProfile } from './profile.js';
export { MAX_PAGE, type PageRequest, type Paged } from './paging.js';
export { buildDashboard, monthOf, moneyTotals, type Dashboard, type MoneyTotals, type PeriodActivity } from './dashboard.js';
export { tierStatus, type TierStatus, type TierRequirement, type TierRequirementSource } from './tiers.js';
export { referredContacts, commissionPage, allTimeTotals, productCommissions, activeOpenOrders, type CommissionItem, type ReferredContact, type OpenOrderItem } from './lists.js';
export { earningsLedger, LEDGER_MAX_ROWS, type Ledger, type LedgerEntry } from './earnings.js';
export { conversionOf, type Conversion } from './conversion.js';
export { dataFreshness, freshnessAge, freshnessLabel, type Freshness, type FreshnessAge } from './freshness.js';
export { buildReport, buildBuckets, slotSizeFor, MAX_BUCKETS, type Report, type ReportRow, type ReportGroup, type ReportBy } from './reports.js';
export { SUB_ID_PATTERN, subIdProblem, parseSitePath, trackedLink, referralLink, siteOrigin, subIdStats, type SubIdStats } from './links.js';
export { promoToolView, plainText, LIGHTBOX_SCRIPT_PATH, type PromoToolView, type LightboxContent } from './promo-tools.js';
export {
  promoCatalog, PROMO_KINDS, EVERY_PROGRAM, PROMO_QUERY_MAX, type PromoKind, type PromoFilter, type PromoCatalog, type PromoProgramGroup, type PromoKindGroup,
} from './promo-catalog.js';
export { qrCode, QR_PNG_WIDTH, QR_MAX_LINK, type QrFormat } from './promo-qr.js';
export {
  requestEmailChange, peekEmailChange, confirmEmailChange, pendingChanges, changeLocale, changeTimeZone, accountEmailOf, maskEmail,
  type SettingsDeps, type Actor, type ChangeKind, type PendingChange,
} from './account-settings.js';
export {
  PARTNER_CENTER_SETUP_KEY, PARTNER_CENTER_PAGES, ALWAYS_ON_PAGES, enabledPages, pagesOf, parsePageList, readPartnerCenterSetup, savePartnerCenterPages,
  type PartnerCenterPage, type PartnerCenterSetup,
} from './center-setup.js';
export { NAV_ITEMS, enabledNavItems, navLabel, type NavItem } from './nav.js';
export { FRESH_SIGN_IN_MS, freshOidcSignIn, type PasswordConfirmer } from './reauth.js';
export { makeApiKey, dropApiKey, listApiKeys, MAX_ACTIVE_API_KEYS, type ApiKeyView } from './api-keys.js';
