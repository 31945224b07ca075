/**
 * Production-safe by default: `NODE_ENV=production` is production; production refuses a plain-http public URL
 * (localhost excepted) and a missing data key; demo data (whose admin password is published) is seeded only when
 * asked for (`PARTNERGATE_DEMO_DATA=on`, refused in production) or, with `auto`, on a localhost public URL
 * outside production.
 */
import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig, type Config } from '../../src/config/index.js';
import { expectAllHeld, type CaseResult } from './support.js';

const KEY = randomBytes(32).toString('base64');

function attempt(env: NodeJS.ProcessEnv): { config?: Config; error?: string } {
  try {
    return { config: loadConfig(env) };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return { error: err.message };
  }
}

describe('production-safe defaults', () => {
  it('NODE_ENV=production counts as production', () => {
    const bare = attempt({ NODE_ENV: 'production' });
    const both = attempt({ NODE_ENV: 'production', PARTNERGATE_ENV: 'development', PARTNERGATE_PUBLIC_URL: 'https://partners.example.com', PARTNERGATE_DATA_KEY: KEY });
    const dev = attempt({ NODE_ENV: 'development' });
    expectAllHeld('production-safe defaults', [
      { name: 'NODE_ENV=production alone: production checks apply (public URL, data key)', held: /PARTNERGATE_PUBLIC_URL: required in production/.test(bare.error ?? '') && /PARTNERGATE_DATA_KEY: required in production/.test(bare.error ?? ''), why: bare.error },
      { name: 'NODE_ENV=production wins over PARTNERGATE_ENV=development', held: both.config?.environment === 'production', why: both.config?.environment ?? both.error },
      { name: 'NODE_ENV=development: development', held: dev.config?.environment === 'development', why: dev.error },
    ]);
  });

  it('production refuses an http:// public URL except for localhost', () => {
    const cases: Array<[string, string, boolean]> = [
      ['https public URL', 'https://partners.example.com', true],
      ['http public URL', 'http://partners.example.com', false],
      ['http public URL on a port', 'http://partners.example.com:8080', false],
      ['http IP address', 'http://203.0.113.5', false],
      ['http localhost.evil host', 'http://localhost.evil.example', false],
      ['http localhost', 'http://localhost:8080', true],
      ['http 127.0.0.1', 'http://127.0.0.1:8080', true],
      ['http [::1]', 'http://[::1]:8080', true],
    ];
    const results: CaseResult[] = cases.map(([name, url, accepted]) => {
      const r = attempt({ PARTNERGATE_ENV: 'production', PARTNERGATE_PUBLIC_URL: url, PARTNERGATE_DATA_KEY: KEY });
      const held = accepted ? r.config !== undefined : /PARTNERGATE_PUBLIC_URL: must be an https:\/\/ URL in production/.test(r.error ?? '');
      return { name: `${name}: ${accepted ? 'accepted' : 'refused naming the key'}`, held, why: r.error };
    });
    expectAllHeld('production-safe defaults', results);
  });

  it('demo data is seeded only when asked for, or with auto on a localhost URL outside production', () => {
    const cases: Array<[string, NodeJS.ProcessEnv, boolean | 'refused']> = [
      ['auto, no public URL (localhost default)', {}, true],
      ['auto, http://127.0.0.1', { PARTNERGATE_PUBLIC_URL: 'http://127.0.0.1:9000' }, true],
      ['auto, https public host in development', { PARTNERGATE_PUBLIC_URL: 'https://partners.example.com' }, false],
      ['auto, http public host in development', { PARTNERGATE_PUBLIC_URL: 'http://partners.example.test' }, false],
      ['auto, localhost in production', { PARTNERGATE_ENV: 'production', PARTNERGATE_PUBLIC_URL: 'http://localhost:8080', PARTNERGATE_DATA_KEY: KEY }, false],
      ['auto, NODE_ENV=production', { NODE_ENV: 'production', PARTNERGATE_PUBLIC_URL: 'https://partners.example.com', PARTNERGATE_DATA_KEY: KEY }, false],
      ['on, public host in development (asked for)', { PARTNERGATE_DEMO_DATA: 'on', PARTNERGATE_PUBLIC_URL: 'https://staging.example.com' }, true],
      ['on, in production', { PARTNERGATE_DEMO_DATA: 'on', PARTNERGATE_ENV: 'production', PARTNERGATE_PUBLIC_URL: 'https://partners.example.com', PARTNERGATE_DATA_KEY: KEY }, 'refused'],
      ['off, localhost', { PARTNERGATE_DEMO_DATA: 'off' }, false],
    ];
    const results: CaseResult[] = cases.map(([name, env, expected]) => {
      const r = attempt(env);
      const held = expected === 'refused' ? /PARTNERGATE_DEMO_DATA: `on` is refused in production/.test(r.error ?? '') : r.config?.seedDemoData === expected;
      return { name: `demo data, ${name}: ${expected === 'refused' ? 'start-up refused' : expected ? 'seeded' : 'not seeded'}`, held, why: r.error ?? String(r.config?.seedDemoData) };
    });
    expectAllHeld('demo data in production', results);
  });
});
