/**
 * Configuration: parsed and validated once, at start-up, from `PARTNERGATE_*` / `DATABASE_URL` environment
 * variables and an optional JSON or YAML file named by `PARTNERGATE_CONFIG` (environment wins).
 * Only this module reads `process.env`. Every problem is gathered into one {@link ConfigError} whose message
 * names each key and what it accepts, never the value of a secret.
 */
import { AppError } from '../common/errors.js';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { dataKey, parseDataKey, type DataKeyring } from '../common/sealed.js';
import { settings, type SettingKey } from './settings.js';

export { settings } from './settings.js';

type Parsed = { [K in SettingKey]: z.output<(typeof settings)[K]['schema']> };

export interface Config extends Omit<Parsed, 'publicUrl' | 'wpShimSecret' | 'dataKey' | 'dataKeyPrevious' | 'syncIntervalSeconds'> {
  /** Seconds between scheduled syncs; 0 = off. Defaults to 300 when Ontraport credentials are set, else 0. */
  syncIntervalSeconds: number;
  publicUrl: string;
  /** Always set: generated per process in development when not configured (hand-off then only works within one run). */
  wpShimSecret: string;
  wpShimSecretGenerated: boolean;
  /** Seals secrets at rest (src/common/sealed.ts). */
  dataKeys: DataKeyring;
  /** No PARTNERGATE_DATA_KEY (development): the key was derived from the store's location. */
  dataKeyDerived: boolean;
  /** Seed demo data into an empty store: asked for (`on`), or `auto` on a localhost URL outside production. */
  seedDemoData: boolean;
  cookieSecure: boolean;
  store: { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };
  oidcEnabled: boolean;
  ontraportEnabled: boolean;
  configFile?: string;
  /** Environment variables read as Kubernetes service links and ignored: one line each, for a log note. */
  ignored: string[];
}

/** `config.invalid`: one line per setting that is wrong, naming it and what it accepts. */
export class ConfigError extends AppError {
  constructor(readonly problems: string[]) {
    super('config.invalid', `Invalid configuration: ${problems.join('; ')}`);
  }
}

const CONFIG_FILE_ENV = 'PARTNERGATE_CONFIG';

/** Sync interval when Ontraport credentials are set and PARTNERGATE_SYNC_INTERVAL_SECONDS is not. */
export const DEFAULT_SYNC_INTERVAL_SECONDS = 300;

/**
 * Kubernetes injects service links for every Service in the namespace (unless the pod sets
 * `enableServiceLinks: false`): a Service named `partnergate` (or `partnergate-x`) yields `PARTNERGATE[_X]_SERVICE_HOST`,
 * `_SERVICE_PORT[_<NAME>]`, `_PORT=tcp://10.0.0.1:8080`, `_PORT_8080_TCP[_PROTO|_PORT|_ADDR]`. Those names are
 * not settings; `PARTNERGATE_PORT` is, so there only a `proto://host:port` value marks the variable as Kubernetes'.
 */
const SERVICE_LINK_NAME = /^PARTNERGATE(_[A-Z0-9_]+)?_(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT_\d+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)$/;
const SERVICE_LINK_PORT_VALUE = /^(tcp|udp|sctp):\/\/[^/\s]+:\d+$/;

/** Whether an environment variable is a Kubernetes service link rather than a (misspelt) setting. */
export function isServiceLink(name: string, value: string): boolean {
  return SERVICE_LINK_NAME.test(name) || (/^PARTNERGATE(_[A-Z0-9_]+)?_PORT$/.test(name) && SERVICE_LINK_PORT_VALUE.test(value));
}
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
  const serviceLinks: string[] = [];

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
    if (isServiceLink(name, value)) {
      serviceLinks.push(name);
      continue;
    }
    const key = keysByEnv.get(name);
    if (key) {
      if (value === '') continue;
      raw[key] = value;
      sourceName[key] = name;
    } else if (name.startsWith('PARTNERGATE_') && name !== CONFIG_FILE_ENV) {
      problems.push(`${name}: unknown setting (a typo? see README, Configuration)`);
    }
  }

  // Node's own convention counts: a deployment that sets only NODE_ENV=production gets production's checks.
  if (env.NODE_ENV === 'production' && raw.environment !== 'production') {
    raw.environment = 'production';
    sourceName.environment = 'NODE_ENV';
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
  if (p.environment === 'production') problems.push(...productionProblems(p));
  if (p.dataKey && p.dataKeyPrevious && parseDataKey(p.dataKey)!.equals(parseDataKey(p.dataKeyPrevious)!)) {
    problems.push(`${settings.dataKeyPrevious.env}: must differ from ${settings.dataKey.env}`);
  }
  if (problems.length) throw new ConfigError(problems);

  const publicUrl = p.publicUrl ?? `http://localhost:${p.port || 8080}`;
  const store: Config['store'] = p.databaseUrl ? { kind: 'postgres', url: p.databaseUrl } : { kind: 'sqlite', path: p.sqlitePath };
  const { dataKey: keyText, dataKeyPrevious: previousText, ...rest } = p;
  return {
    ...rest,
    publicUrl,
    wpShimSecret: p.wpShimSecret ?? randomBytes(32).toString('base64url'),
    wpShimSecretGenerated: !p.wpShimSecret,
    dataKeys: {
      current: dataKey(keyText ? parseDataKey(keyText)! : developmentDataKey(store)),
      ...(previousText ? { previous: dataKey(parseDataKey(previousText)!) } : {}),
    },
    dataKeyDerived: !keyText,
    seedDemoData: p.demoData === 'on' || (p.demoData === 'auto' && p.environment !== 'production' && isLocalhostUrl(publicUrl)),
    cookieSecure: publicUrl.startsWith('https://'),
    store,
    oidcEnabled: Boolean(p.oidcIssuer && p.oidcClientId),
    ontraportEnabled: Boolean(p.ontraportAppId && p.ontraportApiKey),
    // On by default once the account is configured: the partner center's figures are only as fresh as the sync.
    syncIntervalSeconds: p.syncIntervalSeconds ?? (p.ontraportAppId && p.ontraportApiKey ? DEFAULT_SYNC_INTERVAL_SECONDS : 0),
    configFile: file,
    ignored: serviceLinks.length
      ? [`ignored ${serviceLinks.sort().join(', ')}: Kubernetes service links, not settings (set enableServiceLinks: false in the pod spec to drop them)`]
      : [],
  };
}

/** localhost, 127.0.0.0/8 or [::1]: a URL only this machine reaches. */
export function isLocalhostUrl(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(host) || host === '[::1]';
}

/** What production refuses: secrets left to defaults, a plain-http public URL, published demo passwords. */
function productionProblems(p: Parsed): string[] {
  const problems: string[] = [];
  if (!p.publicUrl) problems.push(`${settings.publicUrl.env}: required in production`);
  else if (p.publicUrl.startsWith('http://') && !isLocalhostUrl(p.publicUrl)) {
    problems.push(`${settings.publicUrl.env}: must be an https:// URL in production (sign-in cookies and links would travel in clear; http:// is accepted for localhost only)`);
  }
  if (!p.dataKey) problems.push(`${settings.dataKey.env}: required in production (32 random bytes: openssl rand -base64 32)`);
  if (p.demoData === 'on') problems.push(`${settings.demoData.env}: \`on\` is refused in production (demo accounts have published passwords)`);
  return problems;
}

/**
 * Development only (production requires PARTNERGATE_DATA_KEY): a key derived from where the store lives, so
 * emails queued before a restart still open after it. It protects nothing against someone who has the store.
 */
function developmentDataKey(store: Config['store']): Buffer {
  const where = store.kind === 'sqlite' ? resolve(store.path) : store.url;
  return createHash('sha256').update('partnergate development data key\0').update(where).digest();
}

/** The README's configuration table, generated from the catalogue. */
export function configReferenceMarkdown(): string {
  const rows = Object.entries(settings).map(([key, s]) => {
    const def = 'default' in s && s.default !== undefined ? `\`${s.default}\`` : '';
    return `| \`${s.env}\` | \`${key}\` | ${def} | ${s.doc}${'secret' in s && s.secret ? ' *(secret)*' : ''} |`;
  });
  return ['| environment variable | file key | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}
