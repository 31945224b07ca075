/**
 * Reports and exports: the partner's commissions, refunds and clawbacks, payments, referred contacts and the
 * affiliate report (per day / promo tool / SubID) as streaming CSV downloads and paged JSON, in the partner's
 * time zone; the admin's PayPal MassPay file. Every CSV text cell goes through the formula-injection guard.
 * Column order and formats: docs/exports.md.
 *
 * Routes (mounted at `/partner-center` behind requirePartner by app.ts):
 *   /exports/<name>.csv, /api/reports/<name>, /admin/exports/masspay.csv, /admin/exports/masspay-skipped.csv
 * The routes a partner API key may call (`PARTNER_API_ROUTES`) and their OpenAPI document (`partnerOpenApi`).
 */
export { createAdminReportsRouter, createReportsRouter } from './routes.js';
export {
  massPayExport,
  massPaySkippedExport,
  paypalEmailProblem,
  type MassPayOptions,
  type MassPaySummary,
  type MassPaySkippedPartner,
} from './masspay.js';
export {
  openCsvExport,
  reportPage,
  reportColumns,
  exportFileName,
  reportSqlForCopy,
  reportRawQuery,
  REPORT_NAMES,
  type ReportName,
  type ReportRequest,
  type ReportOptions,
  type CsvExport,
  type ReportPage,
} from './export.service.js';
export { affiliateReportRows, type AffiliateReportRow } from './affiliate-report.repo.js';
export { createExportSlots, MAX_CONCURRENT_EXPORTS, type ExportSlots } from './export-slots.js';
export { neutraliseFormula, FORMULA_TRIGGERS } from './formula-guard.js';
export { csvStringifier } from './csv-stream.js';
export { payoutStatementCsv, STATEMENT_COLUMNS } from './statement-csv.js';
export { PARTNER_API_ROUTES, isPartnerApiRoute, type ApiRoute } from './api-routes.js';
export { partnerOpenApi } from './openapi.js';
