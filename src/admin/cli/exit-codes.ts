/**
 * Exit codes of `partnergate` (documented in docs/cli.md) and the mapping from what went wrong to them.
 * Scripts rely on these: 4 means "done, but some rows failed: read the report and re-run".
 */
import { CommanderError } from 'commander';
import { AppError } from '../../common/index.js';
import { ConfigError } from '../../config/index.js';
import { SchemaError, StoreError } from '../../store/index.js';

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

/** A failure the CLI reports in one line with a chosen exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue = ExitCode.failure,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function exitCodeFor(err: unknown): ExitCodeValue {
  if (err instanceof CliError) return err.exitCode;
  if (err instanceof ConfigError) return ExitCode.usage;
  if (err instanceof StoreError || err instanceof SchemaError) return ExitCode.storeUnreachable;
  if (err instanceof AppError) {
    if (err.code === 'store.unavailable') return ExitCode.storeUnreachable;
    if (err.code.startsWith('request.')) return ExitCode.usage;
    return ExitCode.failure;
  }
  if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  // Another `migrate ... apply` holds the apply lock (migration/common/apply-lock.ts).
  if (err instanceof Error && err.name === 'ApplyLocked') return ExitCode.locked;
  // A blocks configuration file (PARTNERGATE_BLOCKS_CONFIG) with problems is a configuration error.
  if (err instanceof Error && err.name === 'BlocksConfigError') return ExitCode.usage;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ECONNREFUSED' && /postgres|5432/i.test(String((err as Error).message))) return ExitCode.storeUnreachable;
  return ExitCode.failure;
}

/** One line for stderr: what failed, without a stack (set PARTNERGATE_LOG_LEVEL=debug for more). */
export function describeError(err: unknown): string {
  if (err instanceof ConfigError) return err.message;
  if (err instanceof StoreError || err instanceof SchemaError) return `store: ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}
