/**
 * Exit codes of `partnergate` (documented in docs/cli.md) and the one table from error codes (the catalogue in
 * src/common/errors.ts) to them. Scripts rely on these: 4 means "done, but some rows failed: read the report and
 * re-run". Errors are told apart by their code only, never by their name or message.
 */
import { CommanderError } from 'commander';
import { AppError, type ErrorCode } from '../../common/index.js';

export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  storeUnreachable: 3,
  partial: 4,
  /** Another run holds the lock this command needs (`migrate ... apply` while one runs). */
  locked: 5,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * The exit code of each error code (`area.*`: every code of that area); any other error exits 1. Kept in the
 * same order as the table in docs/cli.md, which a test compares with this one.
 */
export const EXIT_CODE_BY_ERROR: ReadonlyArray<readonly [ErrorCode | `${string}.*`, ExitCodeValue]> = [
  ['request.*', ExitCode.usage],
  ['config.invalid', ExitCode.usage],
  ['blocks.config_invalid', ExitCode.usage],
  ['i18n.catalogue_invalid', ExitCode.usage],
  ['cli.unsupported', ExitCode.usage],
  ['store.unavailable', ExitCode.storeUnreachable],
  ['store.failed', ExitCode.storeUnreachable],
  ['store.schema_mismatch', ExitCode.storeUnreachable],
  ['migration.apply_locked', ExitCode.locked],
];

const exact = new Map<string, ExitCodeValue>(EXIT_CODE_BY_ERROR.filter(([c]) => !c.endsWith('.*')));
const areas = new Map<string, ExitCodeValue>(EXIT_CODE_BY_ERROR.filter(([c]) => c.endsWith('.*')).map(([c, v]) => [c.slice(0, -2), v]));

export function exitCodeFor(err: unknown): ExitCodeValue {
  if (err instanceof AppError) return exact.get(err.code) ?? areas.get(err.code.split('.')[0]!) ?? ExitCode.failure;
  if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  return ExitCode.failure;
}

/** One line for stderr: what failed, without a stack (set PARTNERGATE_LOG_LEVEL=debug for more). */
export function describeError(err: unknown): string {
  if (err instanceof AppError && (err.code === 'store.failed' || err.code === 'store.schema_mismatch')) return `store: ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}
