/**
 * Loads the blocks configuration once at start-up: reads the YAML/JSON file (or only the shipped presets),
 * checks its shape with zod and its meaning here (fields, operators, references, cycles, parameters), and
 * returns the validated model. Every problem becomes one line naming the file, the item and the field:
 *   `blocks.yaml: block "launch_sales": where[0].op: operator "gte" does not fit field "status" (enum); use ...`
 */
import { AppError } from '../common/index.js';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { fileSchema, knownFields, sectionSchemas, type BlocksFile, type SectionName } from './config-schema.js';
import { Problems } from './config-problems.js';
import { presetConfig, presetOrigin } from './presets.js';
import { resolveRollups } from './config-rollups.js';
import { resolveBlocksAndPages, resolveBoards, resolveGroups, resolveTiers } from './config-items.js';
import type { BlocksConfig, BoundRollup } from './model.js';

/** The configuration cannot be used; `message` has one line per problem (file, item, field, what is wrong). */
export class BlocksConfigError extends AppError {
  constructor(readonly problems: string[]) {
    super('blocks.config_invalid', problems.join('\n'));
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, p) => (typeof p === 'number' ? `${out}[${p}]` : out ? `${out}.${String(p)}` : String(p)), '');
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'missing (required)' : `must be ${issue.expected === 'int' ? 'a whole number' : `a ${issue.expected}`}`;
    case 'invalid_value':
      return `must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
    case 'invalid_union':
      return 'must be "ladder", "all" or a list of program names';
    case 'too_small':
      if (issue.origin === 'array') return `must list at least ${issue.minimum}`;
      if (issue.origin === 'number') return `must be at least ${issue.minimum}`;
      return issue.message;
    case 'too_big':
      return issue.origin === 'number' ? `must be at most ${issue.maximum}` : issue.message;
    default:
      return issue.message.replace(/^Invalid input: /, '');
  }
}

/** zod issues as problems: section + item name become `block "x"`, the rest of the path the field. */
function reportIssues(problems: Problems, issues: z.core.$ZodIssue[]): void {
  for (const issue of issues) {
    const [section, name, ...rest] = issue.path;
    const known = typeof section === 'string' && section in sectionSchemas;
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        if (!known) problems.add(formatPath([...issue.path, key]), `unknown section (known: presets, ${Object.keys(sectionSchemas).join(', ')})`);
        else if (name === undefined) problems.add(formatPath([section, key]), 'unknown field');
        else {
          const report = problems.forItem(section as SectionName, String(name));
          report(formatPath([...rest, key]), `unknown field (known fields: ${knownFields(section as SectionName).join(', ')})`);
        }
      }
      continue;
    }
    if (known && name !== undefined) problems.forItem(section as SectionName, String(name))(formatPath(rest) || '(item)', describeIssue(issue));
    else problems.add(formatPath(issue.path) || '(file)', describeIssue(issue));
  }
}

/** Shipped presets first, then the file's items (an item with a preset's name replaces it in place). */
function mergeWithPresets(file: BlocksFile): BlocksFile {
  if (file.presets === false) return file;
  const presets = fileSchema.parse(presetConfig);
  const out: BlocksFile = {};
  for (const section of Object.keys(sectionSchemas) as SectionName[]) {
    (out as Record<string, unknown>)[section] = { ...(presets[section] ?? {}), ...(file[section] ?? {}) };
  }
  return out;
}

/**
 * Validates a parsed configuration object.
 * @param origin the file name (or "shipped presets") every message starts with
 * @throws BlocksConfigError listing every problem
 */
export function parseBlocksConfig(data: unknown, origin: string): BlocksConfig {
  const problems = new Problems(origin);
  const parsed = fileSchema.safeParse(data ?? {}, { reportInput: true });
  if (!parsed.success) {
    reportIssues(problems, parsed.error.issues);
    throw new BlocksConfigError(problems.list);
  }
  const file = mergeWithPresets(parsed.data);
  const rollups = resolveRollups(file.rollups ?? {}, problems);
  const ctx = { rollups, problems };
  const leaderboards = resolveBoards('leaderboards', file.leaderboards ?? {}, ctx);
  const contests = resolveBoards('contests', file.contests ?? {}, ctx);
  const pages = resolveBlocksAndPages(file.blocks ?? {}, file.pages ?? {}, ctx);
  const groups = resolveGroups(file.groups ?? {}, ctx);
  const tiers = resolveTiers(file.tiers ?? {}, ctx);
  if (problems.list.length) throw new BlocksConfigError(problems.list);

  const rankings = new Map<string, BoundRollup>();
  for (const board of [...leaderboards.values(), ...contests.values()]) rankings.set(board.rollup.key, board.rollup);
  for (const page of pages.values()) for (const block of page.blocks) if (block.kind === 'ranking') rankings.set(block.rollup.key, block.rollup);
  return { origin, rollups, leaderboards, contests: contests as BlocksConfig['contests'], pages, groups, tiers, rankings };
}

/**
 * Loads and validates the blocks configuration: the YAML or JSON file at `path` (on top of the shipped presets
 * unless it says `presets: false`), or the shipped presets alone when `path` is not given.
 * @throws BlocksConfigError naming the file, the item and the field of every problem
 */
export function loadBlocksConfig(path?: string): BlocksConfig {
  if (!path) return parseBlocksConfig({}, presetOrigin);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new BlocksConfigError([`${path}: cannot read the blocks configuration (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`]);
  }
  let data: unknown;
  try {
    data = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new BlocksConfigError([`${path}: not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'} (${(err as Error).message.split('\n')[0]})`]);
  }
  if (data !== null && data !== undefined && (typeof data !== 'object' || Array.isArray(data))) {
    throw new BlocksConfigError([`${path}: must be a mapping of sections (rollups, blocks, pages, leaderboards, contests, groups, tiers)`]);
  }
  return parseBlocksConfig(data, path);
}

/** The shipped presets, parsed once on first use: immutable, so one copy serves every caller. */
const shipped: { config?: BlocksConfig } = {};

/** The shipped presets alone: what services use when neither the caller nor the gateway gives a configuration. */
export function shippedBlocksConfig(): BlocksConfig {
  return (shipped.config ??= loadBlocksConfig());
}
