/** The demo GitHub: a `gatehouse-demo` organization with two repositories and visibly demo issues. */
import { ADA } from './accounts.ts';

export interface GitHubUser {
  id: number;
  login: string;
  name: string | null;
  email: string | null;
  type: 'User' | 'Organization';
}

export interface GitHubRepo {
  id: number;
  owner: string;
  name: string;
  private: boolean;
  description: string;
  /** Logins that can see (and write to) the repository. */
  members: string[];
  createdAt: string;
  updatedAt: string;
}

export interface GitHubIssue {
  id: number;
  repoId: number;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  author: string;
  labels: string[];
  assignees: string[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export interface GitHubData {
  users: GitHubUser[];
  repos: GitHubRepo[];
  issues: GitHubIssue[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** [repo, title, state, labels, days ago]. */
const ISSUES: [string, string, 'open' | 'closed', string[], number][] = [
  ['demo-api', 'Demo: /health answers 500 when the database is read-only', 'open', ['bug'], 14],
  ['demo-api', 'Demo: paginate GET /widgets', 'open', ['enhancement'], 11],
  ['demo-api', 'Demo: upgrade the WorkOS SDK', 'closed', ['dependencies'], 9],
  ['demo-api', 'Demo: document the rate limits', 'open', ['documentation'], 6],
  ['demo-website', 'Demo: the pricing page links to a 404', 'open', ['bug'], 5],
  ['demo-website', 'Demo: add a dark theme', 'open', ['enhancement'], 2],
];

export function seedGitHub(now: number = Date.now()): GitHubData {
  const at = (days: number) => new Date(now - days * DAY_MS).toISOString();
  const users: GitHubUser[] = [
    { id: 5100001, login: ADA.github, name: ADA.name, email: ADA.email, type: 'User' },
    {
      id: 5100002,
      login: 'gatehouse-demo',
      name: 'Gatehouse Demo (local mode)',
      email: null,
      type: 'Organization',
    },
  ];
  const repos: GitHubRepo[] = [
    {
      id: 7100001,
      owner: 'gatehouse-demo',
      name: 'demo-api',
      private: true,
      description: 'Demo API of Gatehouse local mode (not a real repository)',
      members: [ADA.github],
      createdAt: at(300),
      updatedAt: at(1),
    },
    {
      id: 7100002,
      owner: 'gatehouse-demo',
      name: 'demo-website',
      private: false,
      description: 'Demo website of Gatehouse local mode (not a real repository)',
      members: [ADA.github],
      createdAt: at(400),
      updatedAt: at(2),
    },
  ];
  const numbers = new Map<string, number>();
  const issues = ISSUES.map(([repoName, title, state, labels, days], k) => {
    const repo = repos.find((r) => r.name === repoName)!;
    const number = (numbers.get(repoName) ?? 0) + 1;
    numbers.set(repoName, number);
    return {
      id: 8100001 + k,
      repoId: repo.id,
      number,
      title,
      body: `${title}. (Demo data of Gatehouse's local mode: nothing here is real.)`,
      state,
      author: ADA.github,
      labels,
      assignees: state === 'open' ? [ADA.github] : [],
      createdAt: at(days),
      updatedAt: at(days),
      closedAt: state === 'closed' ? at(days - 1) : null,
    };
  });
  return { users, repos, issues };
}
