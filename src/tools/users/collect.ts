/** Pages through a WorkOS list, up to a bound, for tools that must see a whole collection. */

/** WorkOS's largest page. */
export const MAX_PAGE_SIZE = 100;

export interface Page<T> {
  data: T[];
  listMetadata: { after?: string | null };
}

export interface Collected<T> {
  items: T[];
  /** False when `maxPages` was reached with more pages left. */
  complete: boolean;
}

/**
 * Follows `after` cursors until the list ends or `maxPages` pages were read. A cursor that does
 * not move is treated as the end, so a misbehaving API cannot loop a tool forever.
 */
export async function collectPages<T>(
  fetchPage: (after: string | undefined) => Promise<Page<T>>,
  maxPages: number,
  signal?: AbortSignal,
): Promise<Collected<T>> {
  const items: T[] = [];
  let after: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    signal?.throwIfAborted();
    const res = await fetchPage(after);
    items.push(...res.data);
    const next = res.listMetadata.after ?? undefined;
    if (!next || next === after || res.data.length === 0) return { items, complete: true };
    after = next;
  }
  return { items, complete: false };
}
