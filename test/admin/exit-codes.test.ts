/**
 * The CLI's exit codes come from error codes only: one table (EXIT_CODE_BY_ERROR), the same as docs/cli.md's,
 * and no CLI code path tells errors apart by their name or message text.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { CommanderError } from 'commander';
import { EXIT_CODE_BY_ERROR, ExitCode, exitCodeFor } from '../../src/admin/cli/exit-codes.js';
import { AppError, errorCatalogue } from '../../src/common/index.js';
import { ConfigError } from '../../src/config/index.js';
import { BlocksConfigError } from '../../src/blocks/index.js';
import { SchemaError, StoreError } from '../../src/store/index.js';
import { ApplyLocked } from '../../migration/common/apply-lock.js';

const root = new URL('../../', import.meta.url).pathname;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('CLI exit codes', () => {
  it('docs/cli.md lists the table of error codes to exit codes, row for row', () => {
    const doc = readFileSync(join(root, 'docs/cli.md'), 'utf8');
    const start = doc.indexOf('| error code | exit |');
    expect(start, 'the error-code table in docs/cli.md').to.be.greaterThan(0);
    const rows = doc
      .slice(start)
      .split('\n')
      .slice(2)
      .filter((line, i, all) => line.startsWith('|') && all.slice(0, i).every((l) => l.startsWith('|')))
      .map((line) => {
        const [code, exit] = line.split('|').slice(1, 3).map((cell) => cell.trim().replace(/`/g, ''));
        return [code, Number(exit)];
      });
    expect(rows).to.deep.equal(EXIT_CODE_BY_ERROR.map(([code, exit]) => [code, exit]));
  });

  it('names only codes of the catalogue (or areas that have codes)', () => {
    const codes = Object.keys(errorCatalogue);
    for (const [code] of EXIT_CODE_BY_ERROR) {
      if (code.endsWith('.*')) expect(codes.some((c) => c.startsWith(code.slice(0, -1))), code).to.equal(true);
      else expect(codes, code).to.include(code);
    }
  });

  it('maps each coded error by its code', () => {
    expect(exitCodeFor(new ConfigError(['PARTNERGATE_PORT: not a port']))).to.equal(ExitCode.usage);
    expect(exitCodeFor(new BlocksConfigError(['blocks.yaml: bad']))).to.equal(ExitCode.usage);
    expect(exitCodeFor(new AppError('request.invalid_field', 'x: bad', { field: 'x' }))).to.equal(ExitCode.usage);
    expect(exitCodeFor(new StoreError('cannot open'))).to.equal(ExitCode.storeUnreachable);
    expect(exitCodeFor(new SchemaError('newer'))).to.equal(ExitCode.storeUnreachable);
    expect(exitCodeFor(new AppError('store.unavailable', 'down'))).to.equal(ExitCode.storeUnreachable);
    expect(exitCodeFor(new ApplyLocked('host:1'))).to.equal(ExitCode.locked);
    expect(exitCodeFor(new AppError('ontraport.failed', 'refused'))).to.equal(ExitCode.failure);
    expect(exitCodeFor(new CommanderError(1, 'commander.unknownOption', 'unknown option'))).to.equal(ExitCode.usage);
  });

  it('ignores names and messages: an uncoded error named like a coded one exits 1', () => {
    const fake = Object.assign(new Error('another `migrate ... apply` is running on this store'), { name: 'ApplyLocked' });
    expect(exitCodeFor(fake)).to.equal(ExitCode.failure);
    const config = Object.assign(new Error('Invalid configuration: PARTNERGATE_PORT'), { name: 'ConfigError' });
    expect(exitCodeFor(config)).to.equal(ExitCode.failure);
  });

  it('no CLI code path matches on an error name or message text', () => {
    const patterns = [/\berr(or)?\w*\.name\b/, /\.name\s*===\s*'[A-Z]\w*(Error|Locked|Aborted)'/, /\.message\)?\.(includes|startsWith|endsWith|match)\(/, /\.test\((String\()?\(?\w*err\w*(\s+as\s+\w+\))?\.message/];
    const offenders: string[] = [];
    for (const file of filesUnder(join(root, 'src/admin'))) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (patterns.some((p) => p.test(line))) offenders.push(`${file.slice(root.length)}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offenders).to.deep.equal([]);
  });
});
