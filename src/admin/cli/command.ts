/**
 * The glue every command shares: parse the global options, build the runtime, run the action, turn what
 * happened into an exit code, and report a failure as one line (stderr) and, with --json, as
 * `{"ok":false,"error":{...}}` on stdout.
 */
import { Command } from 'commander';
import { AppError } from '../../common/index.js';
import { ConfigError } from '../../config/index.js';
import { ExitCode, describeError, exitCodeFor, type ExitCodeValue } from './exit-codes.js';
import { createOutput, type Output } from './output.js';
import { createRuntime, type CliRuntime, type RuntimeOverrides } from './runtime.js';

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** Where `--password-stdin` reads (default process.stdin). */
  stdin?: AsyncIterable<Buffer | string>;
  overrides?: RuntimeOverrides;
}

/** Shared state between the actions and `runCli`: the exit code the last action decided. */
export interface RunState {
  code: ExitCodeValue;
}

export type Action<O> = (rt: CliRuntime, opts: O, args: string[]) => Promise<ExitCodeValue | void>;

export function reportFailure(out: Output, io: CliIo, err: unknown, code: ExitCodeValue): void {
  const message = describeError(err);
  io.stderr.write(`partnergate: ${message}\n`);
  if (out.json) {
    const field = err instanceof AppError ? err.field : undefined;
    const problems = err instanceof ConfigError ? err.problems : undefined;
    io.stdout.write(`${JSON.stringify({ ok: false, exitCode: code, error: { message, ...(field ? { field } : {}), ...(problems ? { problems } : {}) } }, null, 2)}\n`);
  }
}

/** Wraps a command action: the runtime is created from the same configuration as the gateway and closed after. */
export function action<O>(io: CliIo, state: RunState, fn: Action<O>) {
  return async (...args: unknown[]): Promise<void> => {
    const cmd = args.at(-1) as Command;
    const opts = cmd.optsWithGlobals() as O & { json?: boolean };
    const positional = args.slice(0, -2).filter((a): a is string => typeof a === 'string');
    const out = createOutput({ json: Boolean(opts.json), stdout: io.stdout, stderr: io.stderr });
    let rt: CliRuntime | undefined;
    try {
      // A dry run reads the store as it is: no migration, nothing written.
      rt = createRuntime(out, io.overrides, { readOnly: Boolean((opts as { dryRun?: boolean }).dryRun) });
      state.code = (await fn(rt, opts, positional)) ?? ExitCode.ok;
    } catch (err) {
      state.code = exitCodeFor(err);
      if (state.code === ExitCode.failure && rt) rt.logger.debug({ err }, 'command failed');
      reportFailure(out, io, err, state.code);
    } finally {
      await rt?.close().catch(() => undefined);
    }
  };
}

/** An option as commander takes it: flags, description, then a parser and/or a default value. */
export type OptionSpec = readonly [flags: string, description: string, parseOrDefault?: unknown, defaultValue?: unknown];

export interface CommandSpec<O> {
  description: string;
  args?: ReadonlyArray<readonly [name: string, description: string]>;
  /** Options the command cannot run without (listed first in the help). */
  required?: readonly OptionSpec[];
  options?: readonly OptionSpec[];
  run: Action<O>;
}

/**
 * Declares one command, its help text and options, with `run` wrapped by `action`; with `parent`, as a
 * subcommand of it. Every command is built this way so the option handling and failure reporting stay one.
 */
export function defineCommand<O>(io: CliIo, state: RunState, name: string, spec: CommandSpec<O>, parent?: Command): Command {
  const cmd = parent ? parent.command(name) : new Command(name);
  cmd.description(spec.description);
  for (const [arg, about] of spec.args ?? []) cmd.argument(arg, about);
  const add = (required: boolean, [flags, about, parse, fallback]: OptionSpec) => {
    const method = (required ? cmd.requiredOption : cmd.option).bind(cmd) as (f: string, d: string, p?: unknown, v?: unknown) => Command;
    method(flags, about, parse, fallback);
  };
  for (const o of spec.required ?? []) add(true, o);
  for (const o of spec.options ?? []) add(false, o);
  return cmd.action(action(io, state, spec.run));
}

/** Parses a list of positive integer ids (`--partner 1 2 3` or `--partner 1,2,3`). */
export function parseIds(field: string) {
  return (value: string, previous: number[] = []): number[] => {
    const ids = value.split(',').map((v) => v.trim()).filter(Boolean).map((v) => {
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n <= 0) throw new AppError('request.invalid_field', `${field}: ${JSON.stringify(v)} is not a partner id (a positive integer)`, { field });
      return n;
    });
    return [...previous, ...ids];
  };
}

export function parsePositiveInt(field: string, min = 0) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min) throw new AppError('request.invalid_field', `${field}: ${JSON.stringify(value)} must be an integer >= ${min}`, { field });
    return n;
  };
}
