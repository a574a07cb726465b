/** What the catalogue's tests share: the seeded people's connections and the query/mutate shapes. */
import { type AnyClient, call, connectV1, tokensFor } from '../../support/mcp.ts';
import type { TestGatehouse } from '../../support/server.ts';

export type Row = Record<string, unknown>;

const PEOPLE = {
  admin: ['admin@demo.test', { team: 'Gatehouse Demo Team' }],
  member: ['member@demo.test', {}],
  viewer: ['viewer@demo.test', {}],
} as const;

/** v1 sessions of the seeded people, in the order asked (each through the full OAuth flow). */
export function connectPeople<const W extends readonly (keyof typeof PEOPLE)[]>(
  gh: TestGatehouse,
  ...who: W
): Promise<{ [K in keyof W]: AnyClient }> {
  return Promise.all(
    who.map(async (p) => {
      const [email, opts] = PEOPLE[p];
      return connectV1(gh.url, (await tokensFor(gh.url, email, opts)).access_token);
    }),
  ) as Promise<{ [K in keyof W]: AnyClient }>;
}

/** `query` or `mutate` of one operation. */
export const run = (
  client: AnyClient,
  tool: 'query' | 'mutate',
  operation: string,
  params: Row = {},
  extra: Row = {},
) => call(client, tool, { operation, params, ...extra });
/** The operation's answer, and its `data` for a list. */
export const result = (r: { structured?: Row }) => r.structured?.result as Row;
export const data = (r: { structured?: Row }) => result(r).data as Row[];
