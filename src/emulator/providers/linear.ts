/**
 * A small, faithful fake of Linear's GraphQL API (https://linear.app/developers/graphql), served
 * at `POST /graphql` for local mode's demo provider:
 * - authentication: OAuth tokens as `Authorization: Bearer <token>`
 *   (https://linear.app/developers/oauth-2-0-authentication); without a valid one, Linear's
 *   `AUTHENTICATION_ERROR`;
 * - queries `viewer`, `organization`, `teams`, `team`, `issues`, `issue` with Relay-style
 *   pagination — `first`/`after`, `last`/`before`, `nodes`, `edges`, `pageInfo`
 *   (https://linear.app/developers/pagination), archived issues hidden unless `includeArchived`;
 * - mutations `issueCreate`, `issueUpdate`, `issueDelete` returning `IssuePayload` /
 *   `IssueArchivePayload` with `success` (https://linear.app/developers/graphql#creating-and-editing-issues);
 *   writes need the `write` scope (or `issues:create` to create)
 *   (https://linear.app/developers/oauth-2-0-authentication#scopes).
 * Validation errors are HTTP 400; resolver errors come back as GraphQL errors beside `data`.
 */
import { buildSchema, type GraphQLError, graphql, OperationTypeNode, parse } from 'graphql';
import type { TokenCheck } from './auth.ts';
import { bearerOf } from './auth.ts';
import { issueRoots, type LinearContext } from './linear-resolvers.ts';
import { type LinearWorkspace, seedLinear } from './linear-seed.ts';

const SDL = `
  scalar DateTime
  type User { id: ID! name: String! displayName: String! email: String! active: Boolean! admin: Boolean! url: String! }
  type Organization { id: ID! name: String! urlKey: String! }
  type PageInfo { hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String }
  type WorkflowState { id: ID! name: String! type: String! color: String! position: Float! }
  type WorkflowStateConnection { nodes: [WorkflowState!]! }
  type Team {
    id: ID! key: String! name: String! description: String
    states: WorkflowStateConnection!
    issues(first: Int, after: String, last: Int, before: String, filter: IssueFilter, includeArchived: Boolean): IssueConnection!
  }
  type TeamEdge { node: Team! cursor: String! }
  type TeamConnection { nodes: [Team!]! edges: [TeamEdge!]! pageInfo: PageInfo! }
  type Issue {
    id: ID! identifier: String! number: Float! title: String! description: String
    priority: Float! priorityLabel: String! url: String!
    createdAt: DateTime! updatedAt: DateTime! archivedAt: DateTime
    state: WorkflowState! team: Team! assignee: User creator: User
  }
  type IssueEdge { node: Issue! cursor: String! }
  type IssueConnection { nodes: [Issue!]! edges: [IssueEdge!]! pageInfo: PageInfo! }
  input StringComparator { eq: String neq: String in: [String!] nin: [String!] contains: String containsIgnoreCase: String startsWith: String }
  input NumberComparator { eq: Float neq: Float lt: Float lte: Float gt: Float gte: Float in: [Float!] }
  input TeamFilter { id: StringComparator key: StringComparator name: StringComparator }
  input WorkflowStateFilter { id: StringComparator name: StringComparator type: StringComparator }
  input UserFilter { id: StringComparator email: StringComparator name: StringComparator }
  input IssueFilter { title: StringComparator priority: NumberComparator team: TeamFilter state: WorkflowStateFilter assignee: UserFilter }
  input IssueCreateInput { teamId: String! title: String description: String priority: Int assigneeId: String stateId: String }
  input IssueUpdateInput { title: String description: String priority: Int assigneeId: String stateId: String }
  type IssuePayload { success: Boolean! lastSyncId: Float! issue: Issue }
  type IssueArchivePayload { success: Boolean! lastSyncId: Float! entity: Issue }
  type Query {
    viewer: User!
    organization: Organization!
    users(first: Int): [User!]!
    teams(first: Int, after: String, last: Int, before: String): TeamConnection!
    team(id: String!): Team!
    issues(first: Int, after: String, last: Int, before: String, filter: IssueFilter, includeArchived: Boolean): IssueConnection!
    issue(id: String!): Issue!
  }
  type Mutation {
    issueCreate(input: IssueCreateInput!): IssuePayload!
    issueUpdate(id: String!, input: IssueUpdateInput!): IssuePayload!
    issueDelete(id: String!, permanentlyDelete: Boolean): IssueArchivePayload!
  }
`;

const schema = buildSchema(SDL);

function errors(status: number, list: object[]): Response {
  return Response.json({ errors: list }, { status });
}

/** Linear's answer to a request without valid credentials. */
function unauthenticated(): Response {
  return errors(401, [
    {
      message: 'Authentication required, not authenticated',
      extensions: {
        type: 'authentication error',
        code: 'AUTHENTICATION_ERROR',
        userError: true,
        userPresentableMessage: 'You need to authenticate to access this operation.',
      },
    },
  ]);
}

function badRequest(message: string): Response {
  return errors(400, [
    { message, extensions: { type: 'graphql error', code: 'GRAPHQL_VALIDATION_FAILED', userError: true } },
  ]);
}

/** The GraphQL request of a POST (JSON body) or a GET (`?query=`). */
async function readRequest(
  req: Request,
): Promise<
  | { query: string; variables: Record<string, unknown> | undefined; operationName: string | undefined }
  | string
> {
  if (req.method === 'GET') {
    const url = new URL(req.url);
    const query = url.searchParams.get('query');
    if (!query) return 'Must provide query string.';
    const vars = url.searchParams.get('variables');
    let variables: Record<string, unknown> | undefined;
    try {
      variables = vars ? (JSON.parse(vars) as Record<string, unknown>) : undefined;
    } catch {
      return 'Variables are invalid JSON.';
    }
    return { query, variables, operationName: url.searchParams.get('operationName') ?? undefined };
  }
  if (req.method !== 'POST') return 'GraphQL only supports GET and POST requests.';
  let body: unknown;
  try {
    body = await req.json();
  } catch {
    return 'POST body sent invalid JSON.';
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return 'POST body must be a JSON object.';
  const { query, variables, operationName } = body as Record<string, unknown>;
  if (typeof query !== 'string' || query.trim() === '') return 'Must provide query string.';
  if (
    variables !== undefined &&
    variables !== null &&
    (typeof variables !== 'object' || Array.isArray(variables))
  )
    return 'Variables must be an object.';
  return {
    query,
    variables: (variables ?? undefined) as Record<string, unknown> | undefined,
    operationName: typeof operationName === 'string' ? operationName : undefined,
  };
}

/** Whether the document's selected operation is a mutation. */
function isMutation(query: string, operationName: string | undefined): boolean {
  try {
    const doc = parse(query);
    return doc.definitions.some(
      (d) =>
        d.kind === 'OperationDefinition' &&
        d.operation === OperationTypeNode.MUTATION &&
        (operationName === undefined || d.name?.value === operationName),
    );
  } catch {
    return false;
  }
}

export interface LinearFake {
  workspace: LinearWorkspace;
  handle(req: Request): Promise<Response>;
}

export function createLinearFake(check: TokenCheck, now: () => number = Date.now): LinearFake {
  const workspace = seedLinear(now());
  const roots = issueRoots(workspace, now);
  return {
    workspace,
    async handle(req) {
      const url = new URL(req.url);
      if (url.pathname !== '/graphql') return Response.json({ error: 'Not found' }, { status: 404 });
      const caller = check(bearerOf(req));
      if (!caller) return unauthenticated();
      const user = workspace.users.find((u) => u.accounts.includes(caller.account)) ?? workspace.users[0]!;
      const request = await readRequest(req);
      if (typeof request === 'string') return badRequest(request);
      if (isMutation(request.query, request.operationName) && !caller.scopes.includes('write')) {
        const creates = /\bissueCreate\b/.test(request.query) && caller.scopes.includes('issues:create');
        if (!creates)
          return errors(403, [
            {
              message: 'Invalid scope: `write` required',
              extensions: { type: 'forbidden', code: 'FORBIDDEN', statusCode: 403, userError: true },
            },
          ]);
      }
      const context: LinearContext = { user };
      const result = await graphql({
        schema,
        source: request.query,
        rootValue: roots,
        contextValue: context,
        variableValues: request.variables,
        operationName: request.operationName,
      });
      // No `data` at all: the document did not parse or validate (GraphQL over HTTP: 400).
      const status = result.data === undefined ? 400 : 200;
      const out = {
        ...(result.data !== undefined ? { data: result.data } : {}),
        ...(result.errors
          ? {
              errors: result.errors.map((e: GraphQLError) => ({
                ...e.toJSON(),
                extensions:
                  e.extensions && Object.keys(e.extensions).length > 0
                    ? e.extensions
                    : {
                        type: 'graphql error',
                        code: status === 400 ? 'GRAPHQL_VALIDATION_FAILED' : 'INTERNAL_SERVER_ERROR',
                        userError: status === 400,
                      },
              })),
            }
          : {}),
      };
      return Response.json(out, { status });
    },
  };
}
