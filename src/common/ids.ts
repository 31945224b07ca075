/**
 * A row id as a partner's URL or query carries it: 1 to 999,999,999 in plain digits (within PostgreSQL's
 * `integer`, so a huge id is "no such row", not a database error); anything else is undefined.
 */
export function parseUrlId(text: string): number | undefined {
  return /^\d{1,9}$/.test(text) && Number(text) >= 1 ? Number(text) : undefined;
}
