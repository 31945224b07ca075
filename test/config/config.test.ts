import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config/index.js';

function problemsOf(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('gives working defaults for the embedded store on port 8080', () => {
    const c = loadConfig({});
    expect(c.port).to.equal(8080);
    expect(c.store).to.deep.equal({ kind: 'sqlite', path: './data/partnergate.sqlite' });
    expect(c.publicUrl).to.equal('http://localhost:8080');
    expect(c.cookieSecure).to.equal(false);
    expect(c.wpShimSecretGenerated).to.equal(true);
  });

  it('syncs with Ontraport every 300 s by default once its credentials are set, never without them; the setting wins', () => {
    const creds = { PARTNERGATE_ONTRAPORT_APP_ID: '2_1', PARTNERGATE_ONTRAPORT_API_KEY: 'key' };
    expect(loadConfig({}).syncIntervalSeconds).to.equal(0);
    expect(loadConfig(creds).syncIntervalSeconds).to.equal(300);
    expect(loadConfig({ ...creds, PARTNERGATE_SYNC_INTERVAL_SECONDS: '0' }).syncIntervalSeconds).to.equal(0);
    expect(loadConfig({ ...creds, PARTNERGATE_SYNC_INTERVAL_SECONDS: '60' }).syncIntervalSeconds).to.equal(60);
    expect(loadConfig({ PARTNERGATE_SYNC_INTERVAL_SECONDS: '60' }).syncIntervalSeconds).to.equal(60);
    expect(problemsOf({ ...creds, PARTNERGATE_SYNC_INTERVAL_SECONDS: 'often' })).to.contain('PARTNERGATE_SYNC_INTERVAL_SECONDS');
  });

  it('selects PostgreSQL when DATABASE_URL is a postgres URL', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/pg' });
    expect(c.store).to.deep.equal({ kind: 'postgres', url: 'postgres://u:p@db:5432/pg' });
  });

  const bad: Array<[string, NodeJS.ProcessEnv, RegExp]> = [
    ['non-numeric port', { PARTNERGATE_PORT: 'abc' }, /PARTNERGATE_PORT: .*\(got "abc"\)/],
    ['port out of range', { PARTNERGATE_PORT: '70000' }, /PARTNERGATE_PORT/],
    ['malformed DATABASE_URL', { DATABASE_URL: 'mysql://x' }, /DATABASE_URL: must be a postgres:\/\/ URL/],
    ['unknown PARTNERGATE_ key', { PARTNERGATE_PROT: '1' }, /PARTNERGATE_PROT: unknown setting/],
    ['bad time zone', { PARTNERGATE_DEFAULT_TIME_ZONE: 'Mars/Base' }, /PARTNERGATE_DEFAULT_TIME_ZONE: must be an IANA time zone/],
    ['short secret', { PARTNERGATE_WP_SHIM_SECRET: 'short' }, /PARTNERGATE_WP_SHIM_SECRET: must be at least 32 characters/],
    ['OIDC issuer without client', { PARTNERGATE_OIDC_ISSUER: 'https://id.example.com' }, /PARTNERGATE_OIDC_CLIENT_ID: required/],
    ['upstream not a URL', { PARTNERGATE_UPSTREAM_URL: 'wordpress' }, /PARTNERGATE_UPSTREAM_URL/],
    ['half the Ontraport keys', { PARTNERGATE_ONTRAPORT_APP_ID: '2_1' }, /set both or neither/],
    ['missing config file', { PARTNERGATE_CONFIG: '/nonexistent/pg.yaml' }, /PARTNERGATE_CONFIG: cannot read/],
  ];
  for (const [name, env, pattern] of bad) {
    it(`stops start-up with the key's name: ${name}`, () => {
      expect(problemsOf(env)).to.match(pattern);
    });
  }

  it('never prints the value of a secret', () => {
    const msg = problemsOf({ PARTNERGATE_WP_SHIM_SECRET: 'hunter2-is-my-secret', DATABASE_URL: 'mysql://root:pw@h/db' });
    expect(msg).not.to.contain('hunter2');
    expect(msg).not.to.contain('root:pw');
  });

  it('gathers every problem into one message', () => {
    const msg = problemsOf({ PARTNERGATE_PORT: 'x', PARTNERGATE_LOG_LEVEL: 'loud' });
    expect(msg).to.contain('PARTNERGATE_PORT').and.to.contain('PARTNERGATE_LOG_LEVEL');
  });
});
