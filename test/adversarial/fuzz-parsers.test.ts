/**
 * Fuzzing (fast-check, bounded in runs and time) of the parsers Partnergate owns, each against the only
 * failure it may show: the configuration (only ConfigError, and never a secret's value in its message, not
 * even from a broken config file), the blocks/rollups configuration (only BlocksConfigError), date ranges (only
 * AppError request.bad_date_range; from <= to, within the maximum), the redirect validator (never off-site),
 * and the path classifier (an own prefix hidden by normalisation tricks is never proxied; WordPress paths are
 * never taken for own ones; what it hands to express is already normal).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { AppError, parseDateRange } from '../../src/common/index.js';
import { ConfigError, loadConfig, settings } from '../../src/config/index.js';
import { BlocksConfigError, loadBlocksConfig, parseBlocksConfig } from '../../src/blocks/index.js';
import { DEFAULT_REDIRECT, safeRedirect, type RedirectPolicy } from '../../src/auth/redirects.js';
import { classifyRequest, normalisePath, ownPrefixes } from '../../src/http/paths.js';
import { fuzz, insertAt, nastyString } from './fuzz-support.js';

const dir = mkdtempSync(join(tmpdir(), 'pg-fuzz-'));
let fileCounter = 0;
const tempFile = (ext: string, text: string) => {
  const path = join(dir, `f${++fileCounter}.${ext}`);
  writeFileSync(path, text);
  return path;
};

describe('adversarial: fuzzing the parsers', function () {
  this.timeout(60_000);

  it('loadConfig (environment): only ConfigError, and a secret value never appears in the message', () => {
    const specs = Object.entries(settings) as Array<[string, { env: string; secret?: boolean }]>;
    const secretEnvs = new Set(specs.filter(([, s]) => s.secret).map(([, s]) => s.env));
    const envName = fc.oneof(fc.constantFrom(...specs.map(([, s]) => s.env)), fc.stringMatching(/^PARTNERGATE_[A-Z_]{1,12}$/), fc.constantFrom('PATH', 'HOME'));
    const value = fc.oneof(nastyString, fc.constantFrom('0', '-1', '65536', 'true', 'off', 'auto', 'http://x', 'https://a.b/', 'postgres://u:p@h/d', 'smtp://h', 'UTC', 'Mars/Base', '#1d4ed8', 'production', 'x'.repeat(40)));
    fuzz('loadConfig from the environment', fc.dictionary(envName, value, { maxKeys: 8 }), (env) => {
      // Secrets carry a marker that must never be echoed.
      const marked = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, secretEnvs.has(k) ? `ZQSECRET${v}` : v]));
      try {
        const c = loadConfig(marked);
        expect(c.port).to.be.within(0, 65535);
        expect(c.publicUrl).to.match(/^https?:\/\//);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        expect(err.message).to.not.contain('ZQSECRET');
      }
    }, 600);
  });

  it('loadConfig (a JSON or YAML config file, broken at random): only ConfigError, secrets never echoed', () => {
    const secretKeys = Object.entries(settings).filter(([, s]) => 'secret' in s && s.secret).map(([k]) => k);
    const fileArb = fc.record({
      json: fc.boolean(),
      fields: fc.dictionary(fc.constantFrom(...Object.keys(settings), 'unknownKey'), fc.oneof(nastyString, fc.integer(), fc.boolean()), { maxKeys: 5 }),
      secret: fc.constantFrom(...secretKeys),
      breakAt: fc.double({ min: 0, max: 1, noNaN: true }),
      breaker: fc.constantFrom('', '"', '{', '}', ':', '\n', '\n  bad: [', '\t', '&', '*', ',', ']', "'", ' #', '\n- x'),
    });
    fuzz('loadConfig from a broken config file', fileArb, (f) => {
      const data = { ...f.fields, [f.secret]: f.secret === 'databaseUrl' ? 'postgres://user:ZQSECRETPW@db.example/x' : 'ZQSECRET-0123456789abcdefghijklmnopqrstuv' };
      const text = insertAt(f.json ? JSON.stringify(data, null, 1) : stringifyYaml(data), f.breakAt, f.breaker);
      try {
        loadConfig({ PARTNERGATE_CONFIG: tempFile(f.json ? 'json' : 'yaml', text) });
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        expect(err.message, 'a secret from the config file was echoed').to.not.contain('ZQSECRET');
      }
    }, 400);
  });

  it('blocks/rollups configuration: only BlocksConfigError for any mutation of the example, and for broken YAML text', () => {
    const exampleText = readFileSync(new URL('../../templates/blocks/example.yaml', import.meta.url), 'utf8');
    const example = parseYaml(exampleText) as Record<string, unknown>;
    expect(() => parseBlocksConfig(example, 'example.yaml')).to.not.throw();
    // Every path into the example: a mutation picks one and replaces, deletes or renames what is there.
    const paths: Array<Array<string | number>> = [];
    const walk = (v: unknown, path: Array<string | number>) => {
      paths.push(path);
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
    };
    walk(example, []);
    const mutation = fc.record({
      path: fc.nat({ max: paths.length - 1 }),
      op: fc.constantFrom('replace', 'delete', 'rename', 'wrap', 'stringify'),
      value: fc.oneof(fc.jsonValue({ maxDepth: 2 }), nastyString, fc.constantFrom('gte', 'in', 'eq', 'product_sales', 'earned_total', '2026-02-30', -1, 1e308, { param: 'nope' }, { daysAgo: -5 }, [])),
    });
    const mutate = (base: unknown, m: { path: number; op: string; value: unknown }): unknown => {
      const copy = structuredClone(base) as Record<string, unknown>;
      const path = paths[m.path]!;
      if (path.length === 0) return m.op === 'replace' ? m.value : copy;
      let parent = copy as Record<string | number, unknown>;
      for (const p of path.slice(0, -1)) {
        const next = parent?.[p];
        if (!next || typeof next !== 'object') return copy; // an earlier mutation removed this path
        parent = next as Record<string | number, unknown>;
      }
      const key = path[path.length - 1]!;
      if (m.op === 'replace') parent[key] = m.value;
      else if (m.op === 'delete') delete parent[key];
      else if (m.op === 'wrap') parent[key] = [parent[key]];
      else if (m.op === 'stringify') parent[key] = JSON.stringify(parent[key]);
      else if (!Array.isArray(parent)) {
        parent[`${String(key)}_x`] = parent[key];
        delete parent[key];
      }
      return copy;
    };
    fuzz('blocks configuration (mutated example)', fc.array(mutation, { minLength: 1, maxLength: 3 }), (ms) => {
      let data: unknown = example;
      for (const m of ms) data = mutate(data, m);
      try {
        parseBlocksConfig(data, 'fuzz.yaml');
      } catch (err) {
        if (!(err instanceof BlocksConfigError)) throw err;
        expect(err.problems.length).to.be.greaterThan(0);
      }
    }, 200);
    fuzz('blocks configuration (broken YAML text)', fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom('\n  - [', ':', '{', '"', '\t', '*x', '&a', '!!binary ', '\n---\n', '%YAML 9\n')), ([at, breaker]) => {
      try {
        loadBlocksConfig(tempFile('yaml', insertAt(exampleText, at, breaker)));
      } catch (err) {
        if (!(err instanceof BlocksConfigError)) throw err;
      }
    }, 80);
  });

  it('parseDateRange: only AppError request.bad_date_range; from <= to and within the maximum', () => {
    const zones = ['UTC', 'America/New_York', 'Pacific/Chatham', 'Asia/Kathmandu', 'America/Sao_Paulo', 'Australia/Lord_Howe', 'Pacific/Apia', 'Africa/Casablanca', 'Europe/Dublin', 'America/St_Johns'];
    const dateText = fc.oneof(
      fc.date({ min: new Date('1960-01-01'), max: new Date('2110-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
      fc.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      fc.constantFrom('2011-12-30', '2026-02-29', '2024-02-29', '1970-01-01', '2100-12-31', '2101-01-01', ' 2026-01-01 ', '2026-1-1', '2026-01-01T00:00', '20260101'),
      nastyString,
      fc.constant(undefined),
      fc.oneof(fc.integer(), fc.array(fc.string(), { maxLength: 2 }), fc.constant(null)),
    );
    const arb = fc.record({ from: dateText, to: dateText, zone: fc.constantFrom(...zones), maxDays: fc.integer({ min: 1, max: 4000 }), now: fc.integer({ min: 0, max: Date.UTC(2100, 0, 1) }) });
    fuzz('parseDateRange', arb, ({ from, to, zone, maxDays, now }) => {
      try {
        const r = parseDateRange({ from, to }, zone, { maxDays, now });
        expect(r.from <= r.to, `${r.from} <= ${r.to}`).to.equal(true);
        expect(r.startMs).to.be.lessThan(r.endMs);
        const days = Math.round(DateTime.fromISO(r.to, { zone }).diff(DateTime.fromISO(r.from, { zone }), 'days').days) + 1;
        expect(days).to.be.within(1, maxDays);
        expect(DateTime.fromMillis(r.startMs, { zone }).toISODate()).to.equal(r.from);
      } catch (err) {
        if (!(err instanceof AppError) || err.code !== 'request.bad_date_range') throw err;
        expect(['from', 'to']).to.include(err.field);
      }
    }, 2000);
  });

  it('safeRedirect: never an off-site target, whatever fragments an attacker strings together', () => {
    const policy: RedirectPolicy = { selfOrigin: 'https://partners.example.com', allowedHosts: ['www.example.com', '.shop.example.com', 'app.example.org:8443'] };
    const fragments = [
      '/', '//', '\\', '/\\', '.', '..', '%2f', '%2F', '%5c', '%09', '%0d%0a', '%00', '%2e', '%252f', '\t', '\n', ' ', '@', ':', '?', '#', ';',
      'http:', 'https:', 'HTTPS:', 'javascript:', 'data:', '//evil.com', 'evil.com', 'www.example.com', '.shop.example.com', 'shop.example.com', 'app.example.org',
      ':8443', ':443', ':80', 'partners.example.com', 'user:pw@', '\u3002', '\uff0f', '\u2044', '\u200b', 'xn--', '[::1]', '0x7f000001', 'partner-center',
    ];
    const arb = fc.oneof(fc.array(fc.constantFrom(...fragments), { minLength: 1, maxLength: 8 }).map((xs) => xs.join('')), nastyString, fc.webUrl().map((u) => u.replace(/^https?:\/\/[^/]+/, (m) => m)));
    const allowed = (url: URL) =>
      url.protocol === 'https:' && !url.username && !url.password &&
      ((url.hostname === 'www.example.com' && url.port === '') || ((url.hostname === 'shop.example.com' || url.hostname.endsWith('.shop.example.com')) && url.port === '') || (url.hostname === 'app.example.org' && url.port === '8443'));
    fuzz('safeRedirect', arb, (rd) => {
      const out = safeRedirect(rd, policy);
      if (out === DEFAULT_REDIRECT) return;
      expect(out, 'no control characters or backslashes').to.not.match(/[\u0000-\u001f\u007f\\]/);
      const url = new URL(out, policy.selfOrigin);
      if (out.startsWith('/')) expect(url.origin, `${JSON.stringify(rd)} -> ${out}`).to.equal(policy.selfOrigin);
      else expect(url.origin === policy.selfOrigin || allowed(url), `${JSON.stringify(rd)} -> ${out}`).to.equal(true);
    }, 5000, 6000);
  });

  it('classifyRequest / normalisePath: own prefixes behind normalisation tricks are never proxied; WordPress paths never taken', () => {
    const unreserved = /[A-Za-z0-9._~-]/;
    // Percent-encode some unreserved characters (either hex case), as an attacker would to dodge a prefix match.
    const disguise = (text: string, mask: number[]) =>
      [...text].map((ch, i) => (unreserved.test(ch) && mask[i % mask.length]! % 3 === 0 ? `%${ch.charCodeAt(0).toString(16).padStart(2, '0')[mask[i % mask.length]! % 2 ? 'toUpperCase' : 'toLowerCase']()}` : ch)).join('');
    const detour = fc.constantFrom('', '/', '//', '/./', '/zz/../', '/./zz/../', '/%2e/', '/zz/%2e%2e/', '/zz/%2E%2e/');
    const tail = fc.array(fc.constantFrom('commissions', 'exports', 'x.csv', 'a%20b', 'assets', '.', '', '%2e', 'api', 'reports', '~x', 'é'), { maxLength: 4 }).map((xs) => xs.join('/'));
    const suffix = fc.constantFrom('', '?x=/wp-admin', '?/../../wp-admin', '#/wp-admin', '?a=%2f#b');
    const arb = fc.record({ prefix: fc.constantFrom(...ownPrefixes), before: detour, between: fc.constantFrom('/', '//', '/./', '///'), tail, suffix, mask: fc.array(fc.nat({ max: 11 }), { minLength: 1, maxLength: 7 }) });
    fuzz('classifyRequest: disguised own paths', arb, ({ prefix, before, between, tail: t, suffix: s, mask }) => {
      const raw = `${before === '' ? '' : before.replace(/\/$/, '')}${disguise(prefix, mask)}${t ? between + t : ''}${s}`;
      const target = raw.startsWith('/') ? raw : `/${raw}`;
      const cls = classifyRequest(target, { ownEverything: false });
      expect(cls.kind, target).to.not.equal('proxy');
      if (cls.kind === 'own') {
        expect(cls.path === prefix || cls.path.startsWith(`${prefix}/`), `${target} -> ${cls.path}`).to.equal(true);
        expect(normalisePath(cls.path), 'already normal').to.equal(cls.path);
        expect(cls.path).to.not.match(/\/\/|\/\.\.?(\/|$)/);
      }
      expect(classifyRequest(target, { ownEverything: true }).kind).to.not.equal('proxy');
    }, 3000);
    const wordpress = fc.constantFrom('/partner-centerx', '/partner-center.php', '/ssox', '/sso-login', '/Partner-Center', '/SSO', '/healthzz', '/metrics.php', '/readyz2', '/wp-admin', '/', '/wp-login.php', '/partner', '/partner-cente');
    fuzz('classifyRequest: WordPress paths stay WordPress\'s', fc.record({ path: wordpress, between: fc.constantFrom('', '/', '//', '/./'), tail, suffix, mask: fc.array(fc.nat({ max: 11 }), { minLength: 1, maxLength: 7 }) }), ({ path, between, tail: t, suffix: s, mask }) => {
      const target = `${disguise(path, mask)}${t ? between + t : ''}${s}`;
      const cls = classifyRequest(target, { ownEverything: false });
      // A disguised WordPress path may also be refused, never served by Partnergate.
      expect(cls.kind, target).to.not.equal('own');
    }, 2000);
    // classifyRequest skips normalisePath for a path with no `%`, `//` or `/.`: such a path must already be normal.
    const plain = fc.array(fc.constantFrom('a', 'wp-admin', 'x.php', 'a.b.', '..x', 'x..', '~', '\\', 'é', 'partner-center', 'sso', ''), { maxLength: 5 }).map((xs) => `/${xs.join('/')}`);
    fuzz('normalisePath: a path without %, // or /. is left as it is', plain, (path) => {
      if (/%|\/\/|\/\./.test(path)) return;
      expect(normalisePath(path), path).to.equal(path);
    }, 3000);
  });
});
