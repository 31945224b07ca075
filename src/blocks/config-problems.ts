/**
 * The problem list the blocks configuration loader fills: the loader (config.ts) and the item and rollup
 * resolvers (config-items.ts, config-rollups.ts) all report into it, so it sits below all three.
 */
import { itemLabel, type SectionName } from './config-schema.js';
import type { Report } from './conditions.js';

/** Collects problems as `<origin>: <item> "<name>": <field>: <problem>`. */
export class Problems {
  readonly list: string[] = [];
  constructor(readonly origin: string) {}
  add(where: string, problem: string): void {
    this.list.push(`${this.origin}: ${where}: ${problem}`);
  }
  /** A reporter for one item, e.g. `block "launch"`. */
  forItem(section: SectionName, name: string): Report {
    return (field, problem) => this.add(`${itemLabel[section]} "${name}": ${field}`, problem);
  }
}
