/**
 * The OpenAPI 3.1 document of the partner API, served at `/partner-center/api/openapi.json`: exactly the
 * routes a partner API key may call (api-routes.ts), their parameters, answers and the bearer scheme. Built
 * from the same report names and limits the routes use, so it cannot name a report that does not exist.
 */
import { COMMISSION_STATUSES } from '../store/index.js';
import { MAX_PAGE_SIZE, REPORT_NAMES } from './export.service.js';
import { PARTNER_API_ROUTES } from './api-routes.js';

const errorResponse = (description: string, headers?: Record<string, unknown>) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

const query = (name: string, description: string, schema: Record<string, unknown>) => ({ name, in: 'query', required: false, description, schema });

const RANGE = [
  query('from', 'First day (YYYY-MM-DD, in the partner\'s time zone). Default: the 30 days ending on `to`.', { type: 'string', format: 'date' }),
  query('to', 'Last day (YYYY-MM-DD, in the partner\'s time zone). Default: today.', { type: 'string', format: 'date' }),
  query('status', 'commissions only: comma-separated statuses.', { type: 'string', examples: [COMMISSION_STATUSES.join(',')] }),
  query('product', 'commissions only: one product id.', { type: 'integer', minimum: 1 }),
  query('by', 'report only: grouping.', { type: 'string', enum: ['date', 'promo', 'subid'] }),
  query('summary', 'payments only: one row per payout instead of per commission.', { type: 'string', enum: ['1', '0', 'true', 'false'] }),
];

const UNAUTHORISED = errorResponse('The API key is missing, malformed, unknown or revoked (`auth.api_key_invalid`).', {
  'WWW-Authenticate': { description: 'Bearer realm="partnergate", error="invalid_token", error_description="<problem>"', schema: { type: 'string' } },
});
const COMMON_ERRORS = {
  '400': errorResponse('A parameter is invalid; `error.field` names it.'),
  '401': UNAUTHORISED,
  '403': errorResponse('The partner account is inactive or its program has no access to the partner center.'),
  '404': errorResponse('No such report, or the page it belongs to is switched off.'),
  '429': errorResponse('Too many requests with this key (`auth.api_rate_limited`) or exports at once.', {
    'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer' } },
  }),
};

const CSV = { 'text/csv': { schema: { type: 'string' } } };

function pathItems(): Record<string, unknown> {
  const reportParam = { name: 'report', in: 'path', required: true, schema: { type: 'string', enum: [...REPORT_NAMES] } };
  const items: Record<string, unknown> = {
    '/partner-center/api/reports/{report}': {
      get: {
        operationId: 'getReportPage',
        summary: 'One page of a report as JSON, oldest first.',
        parameters: [
          reportParam,
          ...RANGE,
          query('limit', 'Rows per page.', { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: 100 }),
          query('cursor', '`nextCursor` of the previous page.', { type: 'string' }),
        ],
        responses: { '200': { description: 'A page of rows.', content: { 'application/json': { schema: { $ref: '#/components/schemas/ReportPage' } } } }, ...COMMON_ERRORS },
      },
    },
    '/partner-center/exports/{report}.csv': {
      get: {
        operationId: 'getReportCsv',
        summary: 'The whole report as a CSV download (streamed; text cells guarded against spreadsheet formulas).',
        parameters: [reportParam, ...RANGE, query('bom', 'Start with a UTF-8 byte order mark (for Excel).', { type: 'string', enum: ['1', '0', 'true', 'false'] })],
        responses: { '200': { description: 'The CSV file.', content: CSV }, ...COMMON_ERRORS },
      },
    },
    '/partner-center/payouts/{payoutId}/statement.csv': {
      get: {
        operationId: 'getPayoutStatementCsv',
        summary: 'The commissions one of the partner\'s payouts covered, as CSV.',
        parameters: [{ name: 'payoutId', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }],
        responses: { '200': { description: 'The statement.', content: CSV }, ...COMMON_ERRORS, '404': errorResponse('No payout with this id belongs to the partner.') },
      },
    },
  };
  // The document and the key check read the same route list: a route added to one is added to the other.
  for (const r of PARTNER_API_ROUTES) if (!(r.openApiPath in items)) throw new Error(`openapi: no description for ${r.openApiPath}`);
  return items;
}

/** The document, built once per process (it depends on nothing but the code). */
let built: Record<string, unknown> | undefined;

export function partnerOpenApi(): Record<string, unknown> {
  built ??= {
    openapi: '3.1.0',
    info: {
      title: 'Partnergate partner API',
      version: '1.0.0',
      description: 'Read-only access to a partner\'s own reports and exports with an API key made in the partner center\'s settings. Every answer covers only the key\'s partner. Keys never work on pages or forms.',
    },
    servers: [{ url: '/' }],
    security: [{ partnerApiKey: [] }],
    paths: pathItems(),
    components: {
      securitySchemes: { partnerApiKey: { type: 'http', scheme: 'bearer', bearerFormat: 'pgk_<key id>_<secret>', description: 'A partner API key: `Authorization: Bearer pgk_...`.' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } } } },
        },
        ReportPage: {
          type: 'object',
          required: ['report', 'from', 'to', 'timeZone', 'columns', 'rows', 'nextCursor'],
          properties: {
            report: { type: 'string', enum: [...REPORT_NAMES] },
            by: { type: 'string', enum: ['date', 'promo', 'subid'] },
            from: { type: 'string', format: 'date' },
            to: { type: 'string', format: 'date' },
            timeZone: { type: 'string' },
            columns: { type: 'array', items: { type: 'string' } },
            rows: { type: 'array', items: { type: 'object', additionalProperties: { type: ['string', 'number', 'null'] } } },
            nextCursor: { type: ['string', 'null'] },
          },
        },
      },
    },
  };
  return built;
}
