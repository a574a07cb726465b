/**
 * WorkOS's wire names are snake_case, and events now arrive as WorkOS sends them (the catalogue's
 * events.list); a camelCased key would still be given back in WorkOS's spelling. Agents get WorkOS's names.
 */
const toSnake = (k: string) => k.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

/** Snake-cases keys recursively, bounded in depth and breadth so one payload cannot flood a reply. */
export function snakeKeys(value: unknown, depth = 4): unknown {
  if (Array.isArray(value)) {
    if (depth <= 0) return `[${value.length} items]`;
    return value.slice(0, 20).map((v) => snakeKeys(v, depth - 1));
  }
  if (value && typeof value === 'object') {
    if (depth <= 0) return '{…}';
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value).slice(0, 50)) out[toSnake(k)] = snakeKeys(v, depth - 1);
    return out;
  }
  if (typeof value === 'string' && value.length > 500) return `${value.slice(0, 500)}…`;
  return value;
}
