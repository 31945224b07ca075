/** File-system faults for tests: a read-only folder (a read-only tmpfs as root, chmod 555 otherwise) and a full disk. */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const isRoot = process.getuid?.() === 0;

function mountTmpfs(options: string): { dir: string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'partnergate-fs-'));
  if (!isRoot) throw new Error('mounting a tmpfs needs root');
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
  return {
    dir,
    dispose() {
      execFileSync('umount', ['-l', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function readOnlyDir(): { dir: string; dispose(): void } {
  if (isRoot) return mountTmpfs('ro,size=1m');
  const dir = mkdtempSync(join(tmpdir(), 'partnergate-ro-'));
  chmodSync(dir, 0o555);
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A tiny tmpfs that fills up: for "disk full" faults (root only; callers skip otherwise). */
export function smallDisk(bytes: number): { dir: string; dispose(): void } {
  return mountTmpfs(`size=${bytes}`);
}

export const canMount = isRoot;
