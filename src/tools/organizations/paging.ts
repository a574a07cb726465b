import type { ListPage } from '../common.ts';

/** The largest page WorkOS serves. */
export const MAX_PAGE_SIZE = 100;

export interface Collected<T> {
  items: T[];
  /** False when `max` was reached before the last page: counts are then lower bounds. */
  complete: boolean;
}

/**
 * Follows `after` cursors until the last page or until `max` items, for counts and summaries
 * (the SDK's autoPagination sleeps between pages and has no bound).
 */
export async function collectPages<T>(
  fetchPage: (after: string | undefined) => Promise<ListPage<T>>,
  max: number,
): Promise<Collected<T>> {
  const items: T[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await fetchPage(after);
    items.push(...page.data);
    after = page.listMetadata.after ?? undefined;
    if (!after) return { items, complete: true };
    if (items.length >= max) return { items: items.slice(0, max), complete: false };
  }
}

/** "5" or "at least 1000", for sentences built from possibly incomplete counts. */
export function countText(n: number, complete: boolean): string {
  return complete ? String(n) : `at least ${n}`;
}

export function plural(n: number, noun: string, nouns = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : nouns}`;
}
