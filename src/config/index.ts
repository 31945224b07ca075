/**
 * Configuration: parsed and validated once, at start-up, from `PARTNERGATE_*` / `DATABASE_URL` environment
 * variables and an optional JSON or YAML file named by `PARTNERGATE_CONFIG` (environment wins).
 * Only this module reads `process.env`. Every problem is gathered into one {@link ConfigError} whose message
 * names each key and what it accepts, never the value of a secret.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { settings, type SettingKey } from './settings.js';

export { settings } from './settings.js';

type Parsed = { [K in SettingKey]: z.output<(typeof settings)[K]['schema']> };

export interface Config extends Omit<Parsed, 'publicUrl' | 'wpShimSecret' | 'dataKey'> {
  publicUrl: string;
  /** Always set: outside production, when not configured, the fixed {@link DEVELOPMENT_DATA_KEY}. */
  dataKey: string;
  dataKeyDerived: boolean;
  /** Always set: generated per process in development when not configured (hand-off then only works within one run). */
  wpShimSecret: string;
  wpShimSecretGenerated: boolean;
  cookieSecure: boolean;
  store: { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };
  oidcEnabled: boolean;
  ontraportEnabled: boolean;
  configFile?: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

const CONFIG_FILE_ENV = 'PARTNERGATE_CONFIG';

/**
 * The data key outside production when none is set: public (it is in the source), so secrets encrypted with it
 * are as good as plain text. It is fixed, not generated, so a development store keeps working across restarts.
 */
export const DEVELOPMENT_DATA_KEY = 'partnergate development data key: not secret, never for production';
const keysByEnv = new Map(Object.entries(settings).map(([k, s]) => [s.env, k as SettingKey]));

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`${CONFIG_FILE_ENV}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  try {
    const data = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
    if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new Error('not an object');
    return data as Record<string, unknown>;
  } catch (err) {
    // Parser messages quote the file (YAML: a code frame of the line; JSON: a snippet), secrets included: keep neither.
    throw new ConfigError([`${CONFIG_FILE_ENV}: ${path} is not a JSON/YAML object (${(err as Error).message.split('\n')[0]!.replace(/, \.{0,3}".*"\.{0,3} is not valid JSON$/, '')})`]);
  }
}

function describeIssue(issue: z.core.$ZodIssue): string {
  return issue.message.replace(/^Invalid input: /, '');
}

/**
 * Parse the configuration. Throws {@link ConfigError} listing every bad key.
 * @param env the environment to read (tests pass their own; production passes process.env)
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const raw: Record<string, unknown> = {};
  const sourceName: Record<string, string> = {};

  const file = env[CONFIG_FILE_ENV];
  if (file) {
    for (const [key, value] of Object.entries(readConfigFile(file))) {
      if (!(key in settings)) {
        problems.push(`${file}: unknown key "${key}" (known keys: see README, Configuration)`);
        continue;
      }
      raw[key] = value;
      sourceName[key] = `${file}: ${key}`;
    }
  }
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    const key = keysByEnv.get(name);
    if (key) {
      if (value === '') continue;
      raw[key] = value;
      sourceName[key] = name;
    } else if (name.startsWith('PARTNERGATE_') && name !== CONFIG_FILE_ENV) {
      problems.push(`${name}: unknown setting (a typo? see README, Configuration)`);
    }
  }

  const parsed: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(settings) as [SettingKey, (typeof settings)[SettingKey]][]) {
    const result = (spec.schema as z.ZodType).safeParse(raw[key]);
    if (result.success) {
      parsed[key] = result.data;
    } else {
      const name = sourceName[key] ?? spec.env;
      const shown = 'secret' in spec && spec.secret ? '' : raw[key] === undefined ? '' : ` (got ${JSON.stringify(String(raw[key])).slice(0, 60)})`;
      problems.push(`${name}: ${result.error.issues.map(describeIssue).join(', ')}${shown}`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  const p = parsed as Parsed;

  if (p.oidcIssuer && !p.oidcClientId) problems.push(`${settings.oidcClientId.env}: required when ${settings.oidcIssuer.env} is set`);
  if ((p.ontraportAppId === undefined) !== (p.ontraportApiKey === undefined)) {
    problems.push(`${settings.ontraportAppId.env} and ${settings.ontraportApiKey.env}: set both or neither`);
  }
  if (p.environment === 'production' && !p.wpShimSecret && p.upstreamUrl) {
    problems.push(`${settings.wpShimSecret.env}: required in production when ${settings.upstreamUrl.env} is set`);
  }
  if (p.environment === 'production' && !p.publicUrl) problems.push(`${settings.publicUrl.env}: required in production`);
  if (p.environment === 'production' && !p.dataKey) problems.push(`${settings.dataKey.env}: required in production (it encrypts TOTP seeds and refresh tokens in the store)`);
  if (p.dataKey && p.dataKey === p.dataKeyPrevious) problems.push(`${settings.dataKeyPrevious.env}: must differ from ${settings.dataKey.env}`);
  if (problems.length) throw new ConfigError(problems);

  const publicUrl = p.publicUrl ?? `http://localhost:${p.port || 8080}`;
  return {
    ...p,
    publicUrl,
    wpShimSecret: p.wpShimSecret ?? randomBytes(32).toString('base64url'),
    wpShimSecretGenerated: !p.wpShimSecret,
    dataKey: p.dataKey ?? DEVELOPMENT_DATA_KEY,
    dataKeyDerived: !p.dataKey,
    cookieSecure: publicUrl.startsWith('https://'),
    store: p.databaseUrl ? { kind: 'postgres', url: p.databaseUrl } : { kind: 'sqlite', path: p.sqlitePath },
    oidcEnabled: Boolean(p.oidcIssuer && p.oidcClientId),
    ontraportEnabled: Boolean(p.ontraportAppId && p.ontraportApiKey),
    configFile: file,
  };
}

/** The README's configuration table, generated from the catalogue. */
export function configReferenceMarkdown(): string {
  const rows = Object.entries(settings).map(([key, s]) => {
    const def = 'default' in s && s.default !== undefined ? `\`${s.default}\`` : '';
    return `| \`${s.env}\` | \`${key}\` | ${def} | ${s.doc}${'secret' in s && s.secret ? ' *(secret)*' : ''} |`;
  });
  return ['| environment variable | file key | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}
