/**
 * Offset paging with a cap: page numbers run from 1 to MAX_PAGE (older rows are reached with a date range),
 * and one extra row is read to know whether a next page exists, so no list needs a count query.
 */
export const MAX_PAGE = 1000;

export interface PageRequest {
  page: number;
  size: number;
}

export interface Paged<T> {
  rows: T[];
  page: number;
  hasPrev: boolean;
  hasNext: boolean;
  /** The page asked for is past the end of the list (and is not page 1). */
  pastEnd: boolean;
}

export async function readPage<T>(req: PageRequest, fetch: (limit: number, offset: number) => Promise<T[]>): Promise<Paged<T>> {
  const page = Math.min(Math.max(1, Math.trunc(req.page)), MAX_PAGE);
  const rows = await fetch(req.size + 1, (page - 1) * req.size);
  const hasNext = rows.length > req.size && page < MAX_PAGE;
  return { rows: rows.slice(0, req.size), page, hasPrev: page > 1, hasNext, pastEnd: rows.length === 0 && page > 1 };
}
