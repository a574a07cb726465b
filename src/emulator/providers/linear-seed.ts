/**
 * The demo Linear workspace: visibly demo data ("Gatehouse Demo", `demo-` everywhere), the same
 * at every start except for ids and times, which are drawn relative to the start.
 */
import { ADA, MAX } from './accounts.ts';

export interface LinearUser {
  id: string;
  name: string;
  displayName: string;
  email: string;
  /** Pipes accounts (`account_display_name`) that are this user. */
  accounts: string[];
}

export interface LinearState {
  id: string;
  name: string;
  /** Linear's workflow state types: backlog, unstarted, started, completed, canceled, triage. */
  type: 'backlog' | 'unstarted' | 'started' | 'completed' | 'canceled';
  color: string;
  position: number;
}

export interface LinearTeam {
  id: string;
  key: string;
  name: string;
  description: string;
  states: LinearState[];
}

export interface LinearIssue {
  id: string;
  number: number;
  teamId: string;
  title: string;
  description: string | null;
  /** 0 none, 1 urgent, 2 high, 3 medium, 4 low. */
  priority: number;
  stateId: string;
  assigneeId: string | null;
  creatorId: string;
  createdAt: Date;
  updatedAt: Date;
  archivedAt: Date | null;
}

export interface LinearWorkspace {
  organization: { id: string; name: string; urlKey: string };
  users: LinearUser[];
  teams: LinearTeam[];
  issues: LinearIssue[];
}

const STATES: Omit<LinearState, 'id'>[] = [
  { name: 'Backlog', type: 'backlog', color: '#bec2c8', position: 0 },
  { name: 'Todo', type: 'unstarted', color: '#e2e2e2', position: 1 },
  { name: 'In Progress', type: 'started', color: '#f2c94c', position: 2 },
  { name: 'Done', type: 'completed', color: '#5e6ad2', position: 3 },
  { name: 'Canceled', type: 'canceled', color: '#95a2b3', position: 4 },
];

/** [team key, title, state name, priority, assignee (a, m or -), days ago]. */
const ISSUES: [string, string, string, number, string, number][] = [
  ['DEMO', 'Demo: rotate the staging SSO certificate before it expires', 'Todo', 2, 'a', 20],
  ['DEMO', 'Demo: SCIM sync drops users with a plus sign in their email', 'In Progress', 1, 'm', 18],
  ['DEMO', 'Demo: add audit-log export to the admin dashboard', 'Backlog', 3, '-', 16],
  ['DEMO', 'Demo: invite flow shows the wrong team name', 'Done', 3, 'm', 15],
  ['DEMO', 'Demo: rate-limit the password reset endpoint', 'Todo', 2, 'a', 12],
  ['DEMO', 'Demo: flaky end-to-end test for the consent screen', 'In Progress', 4, 'm', 10],
  ['DEMO', 'Demo: document the Admin Portal link for customers', 'Backlog', 4, '-', 9],
  ['OPS', 'Demo: on-call handbook for the sign-in outage runbook', 'Todo', 3, 'a', 8],
  ['OPS', 'Demo: renew the demo.test TLS certificate', 'Done', 2, 'a', 7],
  ['OPS', 'Demo: move nightly backups to the new bucket', 'In Progress', 3, 'm', 5],
  ['OPS', 'Demo: alert when directory sync has not run for a day', 'Backlog', 2, '-', 3],
  ['OPS', 'Demo: clean up unused staging environments', 'Canceled', 4, '-', 2],
];

const DAY_MS = 24 * 60 * 60 * 1000;

export function seedLinear(now: number = Date.now()): LinearWorkspace {
  const id = () => crypto.randomUUID();
  const ada: LinearUser = {
    id: id(),
    name: ADA.name,
    displayName: 'ada',
    email: ADA.email,
    accounts: [ADA.linear],
  };
  // Ada's second connection (scoped to Gatehouse Labs in Pipes) signs her in as another member.
  const adaLabs: LinearUser = {
    id: id(),
    name: ADA.name,
    displayName: 'ada-labs',
    email: ADA.email,
    accounts: [ADA.linearLabs],
  };
  const max: LinearUser = {
    id: id(),
    name: MAX.name,
    displayName: 'max',
    email: MAX.email,
    accounts: [MAX.linear],
  };
  const teams: LinearTeam[] = [
    { key: 'DEMO', name: 'Demo Engineering', description: 'Demo team of the local-mode Linear.' },
    { key: 'OPS', name: 'Demo Operations', description: 'Demo operations team of the local-mode Linear.' },
  ].map((t) => ({ ...t, id: id(), states: STATES.map((s) => ({ ...s, id: id() })) }));
  const numbers = new Map<string, number>();
  const issues = ISSUES.map(([key, title, stateName, priority, who, daysAgo]) => {
    const team = teams.find((t) => t.key === key)!;
    const number = (numbers.get(key) ?? 0) + 1;
    numbers.set(key, number);
    const at = new Date(now - daysAgo * DAY_MS);
    return {
      id: id(),
      number,
      teamId: team.id,
      title,
      description: `${title}. (Demo data of Gatehouse's local mode: nothing here is real.)`,
      priority,
      stateId: team.states.find((s) => s.name === stateName)!.id,
      assigneeId: who === 'a' ? ada.id : who === 'm' ? max.id : null,
      creatorId: ada.id,
      createdAt: at,
      updatedAt: at,
      archivedAt: null,
    };
  });
  return {
    organization: { id: id(), name: 'Gatehouse Demo (local mode)', urlKey: 'gatehouse-demo' },
    users: [ada, max, adaLabs],
    teams,
    issues,
  };
}
