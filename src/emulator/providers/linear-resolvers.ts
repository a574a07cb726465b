/**
 * Resolvers of the demo Linear (linear.ts): reads with Relay pagination and the three issue
 * mutations, over the in-memory workspace. Errors carry Linear's `extensions`
 * (`type`, `code`, `userError`, `userPresentableMessage`; https://linear.app/developers/graphql#errors).
 */
import { GraphQLError } from 'graphql';
import type { LinearIssue, LinearState, LinearTeam, LinearUser, LinearWorkspace } from './linear-seed.ts';

export interface LinearContext {
  user: LinearUser;
}

const DEFAULT_PAGE = 50;
const MAX_PAGE = 250;
const PRIORITY_LABELS = ['No priority', 'Urgent', 'High', 'Medium', 'Low'];

function inputError(message: string, presentable: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: {
      type: 'invalid input',
      code: 'INPUT_ERROR',
      userError: true,
      userPresentableMessage: presentable,
    },
  });
}

const entityNotFound = (what: string) =>
  inputError(`Entity not found: ${what}`, `Could not find referenced ${what}.`);

interface Comparator {
  eq?: unknown;
  neq?: unknown;
  in?: unknown[];
  nin?: unknown[];
  contains?: string;
  containsIgnoreCase?: string;
  startsWith?: string;
  lt?: number;
  lte?: number;
  gt?: number;
  gte?: number;
}

function compares(value: string | number | null, c: Comparator | undefined): boolean {
  if (!c) return true;
  const s = String(value ?? '');
  if (c.eq !== undefined && value !== c.eq) return false;
  if (c.neq !== undefined && value === c.neq) return false;
  if (c.in && !c.in.includes(value)) return false;
  if (c.nin?.includes(value)) return false;
  if (c.contains !== undefined && !s.includes(c.contains)) return false;
  if (c.containsIgnoreCase !== undefined && !s.toLowerCase().includes(c.containsIgnoreCase.toLowerCase()))
    return false;
  if (c.startsWith !== undefined && !s.startsWith(c.startsWith)) return false;
  const n = Number(value);
  if (c.lt !== undefined && !(n < c.lt)) return false;
  if (c.lte !== undefined && !(n <= c.lte)) return false;
  if (c.gt !== undefined && !(n > c.gt)) return false;
  if (c.gte !== undefined && !(n >= c.gte)) return false;
  return true;
}

interface IssueFilter {
  title?: Comparator;
  priority?: Comparator;
  team?: { id?: Comparator; key?: Comparator; name?: Comparator };
  state?: { id?: Comparator; name?: Comparator; type?: Comparator };
  assignee?: { id?: Comparator; email?: Comparator; name?: Comparator };
}

interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/** A Relay connection over `items` (already ordered); cursors are the nodes' ids. */
function connection<T extends { id: string }, V>(items: T[], args: PageArgs, view: (t: T) => V) {
  for (const n of [args.first, args.last]) {
    if (n !== undefined && n !== null && (n < 0 || n > MAX_PAGE))
      throw inputError(
        `first/last must be between 0 and ${MAX_PAGE}`,
        `Page size must be at most ${MAX_PAGE}.`,
      );
  }
  let start = 0;
  let end = items.length;
  const at = (cursor: string) => {
    const i = items.findIndex((t) => t.id === cursor);
    if (i === -1) throw inputError(`Invalid cursor: ${cursor}`, 'The pagination cursor is not valid.');
    return i;
  };
  if (args.after) start = at(args.after) + 1;
  if (args.before) end = at(args.before);
  if (args.last != null && args.first == null) start = Math.max(start, end - args.last);
  else end = Math.min(end, start + (args.first ?? DEFAULT_PAGE));
  const page = items.slice(start, Math.max(start, end));
  return {
    nodes: page.map(view),
    edges: page.map((t) => ({ node: view(t), cursor: t.id })),
    pageInfo: {
      hasNextPage: end < items.length,
      hasPreviousPage: start > 0,
      startCursor: page[0]?.id ?? null,
      endCursor: page.at(-1)?.id ?? null,
    },
  };
}

/** The root value: queries and mutations over `ws`. */
export function issueRoots(ws: LinearWorkspace, now: () => number) {
  let syncId = 1000;
  const teamOf = (issue: LinearIssue) => ws.teams.find((t) => t.id === issue.teamId)!;
  const identifier = (issue: LinearIssue) => `${teamOf(issue).key}-${issue.number}`;
  const userView = (u: LinearUser) => ({
    id: u.id,
    name: u.name,
    displayName: u.displayName,
    email: u.email,
    active: true,
    admin: u === ws.users[0],
    url: `https://linear.app/${ws.organization.urlKey}/profiles/${u.displayName}`,
  });
  const stateView = (s: LinearState) => ({ ...s });
  const byNewest = (a: LinearIssue, b: LinearIssue) =>
    b.createdAt.getTime() - a.createdAt.getTime() || b.number - a.number;
  const matches = (issue: LinearIssue, f: IssueFilter | undefined) => {
    if (!f) return true;
    const team = teamOf(issue);
    const state = team.states.find((s) => s.id === issue.stateId)!;
    const assignee = ws.users.find((u) => u.id === issue.assigneeId);
    return (
      compares(issue.title, f.title) &&
      compares(issue.priority, f.priority) &&
      compares(team.id, f.team?.id) &&
      compares(team.key, f.team?.key) &&
      compares(team.name, f.team?.name) &&
      compares(state.id, f.state?.id) &&
      compares(state.name, f.state?.name) &&
      compares(state.type, f.state?.type) &&
      compares(assignee?.id ?? null, f.assignee?.id) &&
      compares(assignee?.email ?? null, f.assignee?.email) &&
      compares(assignee?.name ?? null, f.assignee?.name)
    );
  };
  const issues = (args: PageArgs & { filter?: IssueFilter; includeArchived?: boolean }, teamId?: string) =>
    connection(
      ws.issues
        .filter((i) => (args.includeArchived || i.archivedAt === null) && (!teamId || i.teamId === teamId))
        .filter((i) => matches(i, args.filter))
        .sort(byNewest),
      args,
      issueView,
    );
  function teamView(team: LinearTeam) {
    return {
      id: team.id,
      key: team.key,
      name: team.name,
      description: team.description,
      states: () => ({ nodes: team.states.map(stateView) }),
      issues: (args: PageArgs & { filter?: IssueFilter; includeArchived?: boolean }) => issues(args, team.id),
    };
  }
  function issueView(issue: LinearIssue) {
    const team = teamOf(issue);
    const slug = issue.title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60);
    const user = (id: string | null) => {
      const u = ws.users.find((x) => x.id === id);
      return u ? userView(u) : null;
    };
    return {
      id: issue.id,
      identifier: identifier(issue),
      number: issue.number,
      title: issue.title,
      description: issue.description,
      priority: issue.priority,
      priorityLabel: PRIORITY_LABELS[issue.priority] ?? 'No priority',
      url: `https://linear.app/${ws.organization.urlKey}/issue/${identifier(issue)}/${slug}`,
      createdAt: issue.createdAt.toISOString(),
      updatedAt: issue.updatedAt.toISOString(),
      archivedAt: issue.archivedAt?.toISOString() ?? null,
      state: () => stateView(team.states.find((s) => s.id === issue.stateId)!),
      team: () => teamView(team),
      assignee: () => user(issue.assigneeId),
      creator: () => user(issue.creatorId),
    };
  }
  const findIssue = (id: string) =>
    ws.issues.find((i) => i.id === id || identifier(i) === id.toUpperCase()) ?? undefined;
  const findTeam = (id: string) => ws.teams.find((t) => t.id === id);

  /** Checks the writable fields shared by create and update. */
  function checkFields(
    team: LinearTeam,
    input: {
      title?: string | null;
      priority?: number | null;
      stateId?: string | null;
      assigneeId?: string | null;
    },
  ) {
    if (input.title !== undefined && (input.title === null || input.title.trim() === ''))
      throw inputError('Argument Validation Error', 'The title of an issue cannot be empty.');
    if (input.priority != null && ![0, 1, 2, 3, 4].includes(input.priority))
      throw inputError('Argument Validation Error', 'priority must be 0 (none) to 4 (low).');
    if (input.stateId && !team.states.some((s) => s.id === input.stateId))
      throw entityNotFound('WorkflowState');
    if (input.assigneeId && !ws.users.some((u) => u.id === input.assigneeId)) throw entityNotFound('User');
  }

  return {
    viewer: (_: unknown, ctx: LinearContext) => userView(ctx.user),
    organization: () => ws.organization,
    users: (args: { first?: number }) => ws.users.slice(0, args.first ?? DEFAULT_PAGE).map(userView),
    teams: (args: PageArgs) => connection(ws.teams, args, teamView),
    team: ({ id }: { id: string }) => {
      const team = findTeam(id) ?? ws.teams.find((t) => t.key === id.toUpperCase());
      if (!team) throw entityNotFound('Team');
      return teamView(team);
    },
    issues: (args: PageArgs & { filter?: IssueFilter; includeArchived?: boolean }) => issues(args),
    issue: ({ id }: { id: string }) => {
      const issue = findIssue(id);
      if (!issue) throw entityNotFound('Issue');
      return issueView(issue);
    },
    issueCreate: (
      {
        input,
      }: {
        input: {
          teamId: string;
          title?: string;
          description?: string;
          priority?: number;
          stateId?: string;
          assigneeId?: string;
        };
      },
      ctx: LinearContext,
    ) => {
      const team = findTeam(input.teamId);
      if (!team) throw entityNotFound('Team');
      checkFields(team, { ...input, title: input.title ?? null });
      const at = new Date(now());
      const issue: LinearIssue = {
        id: crypto.randomUUID(),
        number: Math.max(0, ...ws.issues.filter((i) => i.teamId === team.id).map((i) => i.number)) + 1,
        teamId: team.id,
        title: input.title!.trim(),
        description: input.description ?? null,
        priority: input.priority ?? 0,
        stateId: input.stateId ?? team.states.find((s) => s.type === 'unstarted')!.id,
        assigneeId: input.assigneeId ?? null,
        creatorId: ctx.user.id,
        createdAt: at,
        updatedAt: at,
        archivedAt: null,
      };
      ws.issues.push(issue);
      return { success: true, lastSyncId: ++syncId, issue: issueView(issue) };
    },
    issueUpdate: ({
      id,
      input,
    }: {
      id: string;
      input: {
        title?: string;
        description?: string;
        priority?: number;
        stateId?: string;
        assigneeId?: string;
      };
    }) => {
      const issue = findIssue(id);
      if (!issue || issue.archivedAt) throw entityNotFound('Issue');
      checkFields(teamOf(issue), input);
      if (input.title !== undefined) issue.title = input.title.trim();
      if (input.description !== undefined) issue.description = input.description;
      if (input.priority != null) issue.priority = input.priority;
      if (input.stateId) issue.stateId = input.stateId;
      if (input.assigneeId !== undefined) issue.assigneeId = input.assigneeId;
      issue.updatedAt = new Date(now());
      return { success: true, lastSyncId: ++syncId, issue: issueView(issue) };
    },
    issueDelete: ({ id }: { id: string }) => {
      const issue = findIssue(id);
      if (!issue || issue.archivedAt) throw entityNotFound('Issue');
      // Linear moves a deleted issue to the trash (archived); listings leave it out from then on.
      issue.archivedAt = new Date(now());
      return { success: true, lastSyncId: ++syncId, entity: issueView(issue) };
    },
  };
}
