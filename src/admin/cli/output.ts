/**
 * What the CLI prints. Results go to stdout: human lines, or with `--json` one JSON document (nothing else on
 * stdout, so it can be piped). Progress bars and notes go to stderr, and only on a terminal without `--json`.
 */
import cliProgress from 'cli-progress';
import type { CredentialRow } from '../../accounts/index.js';

export interface Output {
  readonly json: boolean;
  /** Prints the command's result: `data` as JSON, or `human()` as lines. */
  result(data: unknown, human: () => string | string[]): void;
  /** A note for people (stderr), never in JSON output. */
  note(line: string): void;
  progress(label: string): Progress;
}

export interface Progress {
  update(done: number, total?: number): void;
  stop(): void;
}

const noProgress: Progress = { update() {}, stop() {} };

export function createOutput(opts: { json: boolean; stdout?: NodeJS.WritableStream; stderr?: NodeJS.WritableStream & { isTTY?: boolean } }): Output {
  const stdout = opts.stdout ?? process.stdout;
  const stderr = opts.stderr ?? process.stderr;
  const bars = !opts.json && Boolean(stderr.isTTY);
  return {
    json: opts.json,
    result(data, human) {
      if (opts.json) {
        stdout.write(`${JSON.stringify(data, null, 2)}\n`);
        return;
      }
      const lines = human();
      stdout.write(`${(Array.isArray(lines) ? lines : [lines]).join('\n')}\n`);
    },
    note(line) {
      if (!opts.json) stderr.write(`${line}\n`);
    },
    progress(label) {
      if (!bars) return noProgress;
      const bar = new cliProgress.SingleBar(
        { format: `${label.padEnd(22)} {bar} {value}/{total} {percentage}% | {eta_formatted} left`, stream: stderr as NodeJS.WritableStream, hideCursor: true, clearOnComplete: false },
        cliProgress.Presets.shades_classic,
      );
      let started = false;
      return {
        update(done, total) {
          if (!started) {
            bar.start(total ?? 0, done);
            started = true;
          } else {
            if (total !== undefined) bar.setTotal(total);
            bar.update(done);
          }
        },
        stop() {
          if (started) bar.stop();
        },
      };
    },
  };
}

/** A row in words: who, and what happened or why not. */
export function describeRow(row: CredentialRow): string {
  const who = row.partnerId !== null ? `partner ${row.partnerId}` : (row.source ?? 'row');
  const from = row.source && row.partnerId !== null ? ` (${row.source})` : '';
  const email = row.email ? ` <${row.email}>` : '';
  return `${who}${from}${email}: ${row.outcome.replace('_', ' ')}${row.reason ? ` — ${row.reason}` : ''}`;
}
