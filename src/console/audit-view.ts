import { inArray } from 'drizzle-orm';
import type { AppContext } from '../app/context.ts';
import { schema } from '../db/client.ts';

/** Keys whose value is a point in time (`expires_at`, `decidedAt`, `until`, …). */
const TIME_KEY = /(^at$|_at$|At$|^until$|_until$|^since$|^expires$)/;
/** Epoch milliseconds between 2001 and 2286: a number any smaller or larger is not a time. */
const isEpochMs = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 1e12 && v < 1e13;

/**
 * A stored `details` value as the console shows it (args stay exactly as the agent sent them): pretty JSON, with times recorded as epoch
 * milliseconds shown as ISO 8601 (UTC). Display only: the signed entry, the export and the whole
 * record keep the stored value. Text that does not parse (a cut preview) is left as it is.
 */
export function readableJson(stored: string | null): string | undefined {
  if (stored === null) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(stored);
  } catch {
    return stored;
  }
  const walk = (v: unknown, key: string | undefined): unknown => {
    if (key !== undefined && TIME_KEY.test(key) && isEpochMs(v)) return new Date(v).toISOString();
    if (Array.isArray(v)) return v.map((x) => walk(x, undefined));
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
    return v;
  };
  return JSON.stringify(walk(value, undefined), null, 2);
}

/**
 * The actor of each entry: the email it recorded, or — for entries written with only the user's id
 * (team entry, consent, token issued) — that user's email as Gatehouse knows it.
 */
export function actorEmails(
  ctx: AppContext,
  rows: { userId: string | null; actorEmail: string | null }[],
): (string | null)[] {
  const missing = [...new Set(rows.filter((r) => !r.actorEmail && r.userId).map((r) => r.userId!))];
  const known =
    missing.length === 0
      ? new Map<string, string>()
      : new Map(
          ctx.db
            .select({ id: schema.users.id, email: schema.users.email })
            .from(schema.users)
            .where(inArray(schema.users.id, missing))
            .all()
            .map((u) => [u.id, u.email]),
        );
  return rows.map((r) => r.actorEmail ?? (r.userId ? (known.get(r.userId) ?? null) : null));
}
