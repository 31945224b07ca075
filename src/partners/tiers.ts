/**
 * Where the partner stands on its tier ladder (programs sharing `tier_group`, ordered by `level_order`).
 * How much a partner must earn to move up is not in the store: the blocks engineer's tier rules will supply
 * it through a {@link TierThresholds} function; until then the next level is shown without a figure.
 */
import type { Program } from '../store/index.js';
import type { Db } from './repos/db.js';
import { listTierLadder } from './repos/profile.repo.js';

/** Earned total (cents) a partner needs to reach a program's level; undefined when no rule says. */
export type TierThresholds = (program: Program) => number | undefined;

export interface TierLevel {
  programId: number;
  name: string;
  rateBp: number;
  levelOrder: number;
  current: boolean;
}

export interface TierRequirement {
  thresholdCents: number;
  /** Still to earn (approved + paid); 0 when already reached (the level change is the program manager's). */
  remainingCents: number;
}

export interface TierStatus {
  group: string;
  levels: TierLevel[];
  current: TierLevel;
  next?: TierLevel;
  requirement?: TierRequirement;
}

/**
 * What the next level needs, or undefined when there is no next level or no known threshold.
 * @param earnedCents the partner's earned total (sale + clawback, approved or paid)
 */
export function nextTierRequirement(next: Program | undefined, earnedCents: number, thresholdFor?: TierThresholds): TierRequirement | undefined {
  if (!next || !thresholdFor) return undefined;
  const threshold = thresholdFor(next);
  if (threshold === undefined || !Number.isFinite(threshold)) return undefined;
  return { thresholdCents: threshold, remainingCents: Math.max(0, threshold - earnedCents) };
}

export async function tierStatus(db: Db, program: { id: number; tierGroup: string | null }, earnedCents: number, thresholdFor?: TierThresholds): Promise<TierStatus | undefined> {
  if (!program.tierGroup) return undefined;
  const ladder = await listTierLadder(db, program.tierGroup);
  const index = ladder.findIndex((p) => p.id === program.id);
  if (index < 0) return undefined;
  const levels = ladder.map((p) => ({ programId: p.id, name: p.name, rateBp: p.rate_bp, levelOrder: p.level_order, current: p.id === program.id }));
  const nextProgram = ladder[index + 1];
  return {
    group: program.tierGroup,
    levels,
    current: levels[index]!,
    next: levels[index + 1],
    requirement: nextTierRequirement(nextProgram, earnedCents, thresholdFor),
  };
}
