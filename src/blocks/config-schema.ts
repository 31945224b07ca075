/**
 * The shape of a blocks configuration file (YAML or JSON), checked with zod: every section is a mapping of
 * named items with strict objects, so a misspelt field is an error, not a silent default. Conditions are
 * checked afterwards against the field catalogue (conditions.ts), and references (rollups, blocks, params)
 * by the loader (config.ts).
 */
import { z } from 'zod';
import { sourceNames } from './fields.js';

const text = z.string().trim().min(1, 'must not be empty');
const dateText = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD');
const programsScope = z.union([z.literal('ladder'), z.literal('all'), z.array(text).min(1)]);
const privacy = z.enum(['first_name', 'alias']);
const direction = z.enum(['asc', 'desc']);
const params = z.record(z.string(), z.unknown());

export const rollupSchema = z.strictObject({
  label: text.optional(),
  extends: text.optional(),
  source: z.enum(sourceNames as [string, ...string[]]).optional(),
  referrer: z.enum(['first', 'last']).optional(),
  aggregate: z.enum(['sum', 'count']).optional(),
  field: text.optional(),
  where: z.unknown().optional(),
});

export const blockSchema = z.strictObject({
  title: text.optional(),
  source: z.enum(['partners', 'rollups', ...sourceNames] as [string, ...string[]]),
  referrer: z.enum(['first', 'last']).optional(),
  where: z.unknown().optional(),
  sort: z.strictObject({ by: text, dir: direction.optional() }).optional(),
  limit: z.number().int().min(1).max(500).optional(),
  columns: z.array(text).min(1).optional(),
  /** partners: the rollup partners are ranked by. */
  rollup: text.optional(),
  /** rollups: the signed-in partner's own values, shown as figures. */
  rollups: z.array(text).min(1).optional(),
  programs: programsScope.optional(),
  privacy: privacy.optional(),
  empty: text.optional(),
});

export const pageSchema = z.strictObject({
  title: text,
  intro: text.optional(),
  nav: z.boolean().optional(),
  params: params.optional(),
  blocks: z.array(text).min(1),
});

const boardFields = {
  title: text,
  intro: text.optional(),
  nav: z.boolean().optional(),
  rollup: text.optional(),
  params: params.optional(),
  programs: programsScope.optional(),
  privacy: privacy.optional(),
  limit: z.number().int().min(1).max(100).optional(),
  dir: direction.optional(),
};

export const leaderboardSchema = z.strictObject({ ...boardFields, rollup: text });

export const contestSchema = z.strictObject({
  ...boardFields,
  product: z.unknown(),
  startDate: dateText,
  endDate: dateText.optional(),
});

export const groupSchema = z.strictObject({
  label: text.optional(),
  params: params.optional(),
  where: z.array(z.unknown()).min(1),
});

export const tierRuleSchema = z.strictObject({
  label: text.optional(),
  rollup: text,
  op: z.enum(['gte', 'gt']).optional(),
  value: z.number().int(),
  params: params.optional(),
  tierGroups: z.array(text).min(1).optional(),
  fromLevels: z.array(z.number().int().min(1)).min(1).optional(),
  moveTo: z.union([z.literal('next'), z.number().int().min(2)]).optional(),
});

export const sectionSchemas = {
  rollups: rollupSchema,
  blocks: blockSchema,
  pages: pageSchema,
  leaderboards: leaderboardSchema,
  contests: contestSchema,
  groups: groupSchema,
  tiers: tierRuleSchema,
} as const;

export type SectionName = keyof typeof sectionSchemas;

export const fileSchema = z.strictObject({
  /** false: start from nothing instead of the shipped presets. */
  presets: z.boolean().optional(),
  rollups: z.record(z.string(), rollupSchema).optional(),
  blocks: z.record(z.string(), blockSchema).optional(),
  pages: z.record(z.string(), pageSchema).optional(),
  leaderboards: z.record(z.string(), leaderboardSchema).optional(),
  contests: z.record(z.string(), contestSchema).optional(),
  groups: z.record(z.string(), groupSchema).optional(),
  tiers: z.record(z.string(), tierRuleSchema).optional(),
});

export type BlocksFile = z.output<typeof fileSchema>;
export type RollupInput = z.output<typeof rollupSchema>;
export type BlockInput = z.output<typeof blockSchema>;
export type PageInput = z.output<typeof pageSchema>;
export type LeaderboardInput = z.output<typeof leaderboardSchema>;
export type ContestInput = z.output<typeof contestSchema>;
export type GroupInput = z.output<typeof groupSchema>;
export type TierRuleInput = z.output<typeof tierRuleSchema>;

/** Singular names used in messages: `block "launch": sort.by: ...`. */
export const itemLabel: Record<SectionName, string> = {
  rollups: 'rollup',
  blocks: 'block',
  pages: 'page',
  leaderboards: 'leaderboard',
  contests: 'contest',
  groups: 'group',
  tiers: 'tier rule',
};

/** Known fields of an item of each section, for "unknown field" messages. */
export function knownFields(section: SectionName): string[] {
  return Object.keys(sectionSchemas[section].shape);
}
