/**
 * deploy/systemd/partnergate.service: systemd's own checker accepts it (systemd-analyze verify works without
 * systemd running as PID 1), with no unknown keys, and the hardening the runbook promises is there.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const UNIT = new URL('../../deploy/systemd/partnergate.service', import.meta.url).pathname;
const ENV_EXAMPLE = new URL('../../deploy/systemd/partnergate.env.example', import.meta.url).pathname;

/** key -> every value it is given in [Service]. */
function serviceSection(text: string): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) section = header[1]!;
    else if (section === 'Service') {
      const eq = line.indexOf('=');
      const key = line.slice(0, eq);
      keys.set(key, [...(keys.get(key) ?? []), line.slice(eq + 1)]);
    }
  }
  return keys;
}

describe('deploy: the systemd unit (deploy/systemd/partnergate.service)', () => {
  const text = readFileSync(UNIT, 'utf8');

  it('passes systemd-analyze verify without a warning', function () {
    this.timeout(60_000);
    // verify checks that ExecStart's program exists: point it at this machine's node when /usr/bin/node is absent.
    const dir = mkdtempSync(join(tmpdir(), 'partnergate-unit-'));
    try {
      const unit = join(dir, 'partnergate.service');
      writeFileSync(unit, existsSync('/usr/bin/node') ? text : text.replace('/usr/bin/node', process.execPath));
      const r = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8', cwd: dir });
      expect(r.error, 'systemd-analyze must be installed').to.equal(undefined);
      expect(r.stderr.trim(), r.stderr).to.equal('');
      expect(r.status).to.equal(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is hardened: its own user, a read-only system but for the store, no new privileges, secrets from a file', () => {
    const s = serviceSection(text);
    const one = (key: string) => s.get(key)?.at(-1);
    expect(one('DynamicUser')).to.equal('yes');
    expect(one('ProtectSystem')).to.equal('strict');
    expect(one('ReadWritePaths')).to.equal('/var/lib/partnergate');
    expect(one('StateDirectory')).to.equal('partnergate');
    expect(one('NoNewPrivileges')).to.equal('yes');
    expect(one('ProtectHome')).to.equal('yes');
    expect(one('PrivateTmp')).to.equal('yes');
    expect(one('CapabilityBoundingSet')).to.equal('');
    expect(one('EnvironmentFile')).to.equal('/etc/partnergate/partnergate.env');
    expect(s.get('Environment')).to.include.members(['PARTNERGATE_ENV=production', 'PARTNERGATE_SQLITE_PATH=/var/lib/partnergate/partnergate.sqlite']);
    expect(one('ExecStart')).to.match(/^\/usr\/bin\/node .*\/dist\/src\/main\.js$/);
    // The unit names no secret itself: those live in the EnvironmentFile.
    expect(text).not.to.match(/PARTNERGATE_(DATA_KEY|WP_SHIM_SECRET|METRICS_TOKEN)=|DATABASE_URL=/);
  });

  it('ships an environment file example that names every secret empty', () => {
    const example = readFileSync(ENV_EXAMPLE, 'utf8');
    for (const key of ['PARTNERGATE_DATA_KEY', 'PARTNERGATE_WP_SHIM_SECRET', 'PARTNERGATE_METRICS_TOKEN']) expect(example).to.match(new RegExp(`^${key}=$`, 'm'));
    expect(example).to.match(/^PARTNERGATE_PUBLIC_URL=https:\/\//m);
  });
});
