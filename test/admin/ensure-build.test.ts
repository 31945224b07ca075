/**
 * `npm start` and `npm run cli` run scripts/ensure-build.mjs first: it compiles when dist/ is missing or older than
 * src/, and in production (no TypeScript: `npm ci --omit=dev`) runs a built dist/ as it is. Tried in a scratch
 * directory with a stand-in compiler, so no real build runs.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const script = resolve('scripts/ensure-build.mjs');

function project(opts: { built: boolean; srcNewer: boolean; typescript: boolean }): string {
  const dir = mkdtempSync(join(tmpdir(), 'pg-ensure-build-'));
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'src/main.ts'), '');
  if (opts.built) {
    mkdirSync(join(dir, 'dist/src/admin'), { recursive: true });
    for (const f of ['dist/src/main.js', 'dist/src/admin/cli.js']) writeFileSync(join(dir, f), '');
    const old = new Date('2026-01-01T00:00:00Z');
    const recent = new Date('2026-06-01T00:00:00Z');
    utimesSync(join(dir, 'src/main.ts'), opts.srcNewer ? recent : old, opts.srcNewer ? recent : old);
    for (const f of ['dist/src/main.js', 'dist/src/admin/cli.js']) utimesSync(join(dir, f), opts.srcNewer ? old : recent, opts.srcNewer ? old : recent);
  }
  if (opts.typescript) {
    mkdirSync(join(dir, 'node_modules/typescript/bin'), { recursive: true });
    writeFileSync(join(dir, 'node_modules/typescript/bin/tsc'), "require('fs').writeFileSync('compiled', process.argv.slice(2).join(' '))");
  }
  return dir;
}

function run(dir: string) {
  const r = spawnSync(process.execPath, [script], { cwd: dir, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr, compiled: existsSync(join(dir, 'compiled')) };
}

describe('scripts/ensure-build.mjs (prestart, precli)', () => {
  it('compiles a fresh clone (no dist/), saying so on stderr only', () => {
    const r = run(project({ built: false, srcNewer: true, typescript: true }));
    expect(r).to.include({ code: 0, compiled: true, out: '' });
    expect(r.err).to.contain('Building Partnergate');
  });

  it('compiles when src/ changed after the build', () => {
    expect(run(project({ built: true, srcNewer: true, typescript: true }))).to.include({ code: 0, compiled: true });
  });

  it('does nothing when dist/ is up to date', () => {
    expect(run(project({ built: true, srcNewer: false, typescript: true }))).to.deep.include({ code: 0, compiled: false, err: '' });
  });

  it('without TypeScript (npm ci --omit=dev) runs a built dist/ as it is, even when it looks older', () => {
    const r = run(project({ built: true, srcNewer: true, typescript: false }));
    expect(r).to.include({ code: 0, compiled: false });
    expect(r.err).to.contain('TypeScript is not installed');
  });

  it('without TypeScript and without dist/ stops with what to do', () => {
    const r = run(project({ built: false, srcNewer: true, typescript: false }));
    expect(r.code).to.equal(1);
    expect(r.err).to.contain('npm run build');
  });
});
