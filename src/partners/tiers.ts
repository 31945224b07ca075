/**
 * Where the partner stands on its tier ladder (programs sharing `tier_group`, ordered by `level_order`), and
 * what the next level needs. The requirement comes from the tier rules (src/blocks `nextTierRequirement`),
 * passed in as a {@link TierRequirementSource} so this capability does not depend on the rules engine; without
 * one, or when no rule applies, the next level is shown without a figure.
 */
import type { Db } from './repos/db.js';
import { listTierLadder } from './repos/profile.repo.js';

export interface TierLevel {
  programId: number;
  name: string;
  rateBp: number;
  levelOrder: number;
  current: boolean;
}

/** What a tier rule needs to move the partner up (values in cents for money rules). */
export interface TierRequirement {
  /** The rule's label, e.g. "Commissions earned reached $10,000". */
  label: string;
  unit: 'money' | 'count';
  requiredValue: number;
  currentValue: number;
  remainingValue: number;
  /** The level the rule moves to (may skip levels). */
  nextProgramId: number;
}

/** The requirement of the partner's next level, or undefined when unknown (no rule, top level, no ladder). */
export type TierRequirementSource = (partnerId: number) => Promise<TierRequirement | undefined>;

export interface TierStatus {
  group: string;
  levels: TierLevel[];
  current: TierLevel;
  next?: TierLevel;
  requirement?: TierRequirement;
}

export async function tierStatus(db: Db, program: { id: number; tierGroup: string | null }, requirement?: TierRequirement): Promise<TierStatus | undefined> {
  if (!program.tierGroup) return undefined;
  const ladder = await listTierLadder(db, program.tierGroup);
  const index = ladder.findIndex((p) => p.id === program.id);
  if (index < 0) return undefined;
  const levels = ladder.map((p) => ({ programId: p.id, name: p.name, rateBp: p.rate_bp, levelOrder: p.level_order, current: p.id === program.id }));
  // A rule may move past the next level; the level it names is the one shown.
  const ruleTarget = requirement ? levels.findIndex((l, i) => i > index && l.programId === requirement.nextProgramId) : -1;
  return {
    group: program.tierGroup,
    levels,
    current: levels[index]!,
    next: levels[ruleTarget > index ? ruleTarget : index + 1],
    requirement: ruleTarget > index ? requirement : undefined,
  };
}
