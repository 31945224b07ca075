/**
 * The one error type Partnergate throws on purpose. Each has a stable code (area.what_went_wrong), an HTTP
 * status and a message safe to show the user. The express error handler maps it to a page or
 * `{ error: { code, message, field } }`; anything else becomes a 500 with no details.
 */
export const errorCatalogue = {
  'request.invalid_field': 400,
  'request.bad_date_range': 400,
  'request.unknown_report': 404,
  'request.body_too_large': 413,
  'request.headers_too_large': 431,
  'request.too_many_exports': 429,
  'auth.required': 401,
  'auth.invalid_credentials': 401,
  'auth.throttled': 429,
  'auth.forbidden': 403,
  'auth.program_not_allowed': 403,
  'auth.csrf_failed': 403,
  'auth.token_invalid': 400,
  'auth.reauth_required': 403,
  'auth.totp_required': 401,
  'auth.oidc_failed': 400,
  'auth.handoff_invalid': 400,
  'auth.handoff_unknown_user': 403,
  'auth.api_key_invalid': 401,
  'auth.api_key_not_allowed': 403,
  'auth.api_rate_limited': 429,
  'not_found': 404,
  'conflict': 409,
  'upstream.unavailable': 502,
  'upstream.timeout': 504,
  'store.unavailable': 503,
  'ontraport.auth_failed': 502,
  'ontraport.failed': 502,
  'ontraport.malformed_record': 502,
  'ontraport.schema_mismatch': 502,
  'internal': 500,
  // Never shown to a browser (the error handler answers a plain 500): configuration, store, runs and the CLI.
  'config.invalid': 500,
  'blocks.config_invalid': 500,
  'i18n.catalogue_invalid': 500,
  'store.failed': 500,
  'store.schema_mismatch': 500,
  'crypto.unsealable': 500,
  'migration.apply_locked': 500,
  'run.aborted': 500,
  'run.stopped': 500,
  'run.dry_run_rollback': 500,
  'cli.unsupported': 500,
} as const;

export type ErrorCode = keyof typeof errorCatalogue;

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: { field?: string; cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message, { cause: details.cause });
    this.name = new.target.name;
    this.status = errorCatalogue[code];
  }
  get field(): string | undefined {
    return this.details.field;
  }
}

/** Codes whose message is for the operator (logs, the CLI), never for a browser: they answer a plain 500. */
export function isInternalCode(code: ErrorCode): boolean {
  return errorCatalogue[code] === 500 && code !== 'internal';
}

/**
 * Thrown inside a transaction to roll a dry run back after doing everything a real run would; caught by the
 * code that started it, never reported.
 */
export class DryRunRollback extends AppError {
  constructor() {
    super('run.dry_run_rollback', 'dry run: rolled back');
  }
}

/** A bad request naming the field and the problem. */
/** A field's problem as the reader sees it, already written in their language (the message names the field itself). */
export function fieldProblem(field: string, message: string): AppError {
  return new AppError('request.invalid_field', message, { field });
}

export function invalidField(field: string, problem: string): AppError {
  return new AppError('request.invalid_field', `${field}: ${problem}`, { field });
}

/** Connection-level failures of the store (PostgreSQL restarting, shutting down, refusing connections). */
const STORE_DOWN_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '53300']);
const STORE_DOWN_MESSAGES = /^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect)/;

/**
 * The error as a 503 "try again in a moment" when it says the store cannot be reached right now, else
 * undefined. Such a request did not fail for what it asked; a retry a few seconds later succeeds.
 */
export function storeUnavailable(err: unknown): AppError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, message } = err as { code?: unknown; message?: unknown };
  const down = (typeof code === 'string' && STORE_DOWN_CODES.has(code)) || (typeof message === 'string' && STORE_DOWN_MESSAGES.test(message));
  return down ? new AppError('store.unavailable', 'The service is briefly unavailable. Please try again in a moment.', { cause: err, headers: { 'Retry-After': '5' } }) : undefined;
}
