/**
 * A small, faithful fake of GitHub's REST API (https://docs.github.com/en/rest) for local mode's
 * demo provider, on the paths agents use first:
 * - GET /user (https://docs.github.com/en/rest/users/users#get-the-authenticated-user);
 * - GET /user/repos (https://docs.github.com/en/rest/repos/repos#list-repositories-for-the-authenticated-user),
 *   GET /repos/{owner}/{repo} (…#get-a-repository);
 * - GET and POST /repos/{owner}/{repo}/issues, GET and PATCH …/issues/{number}
 *   (https://docs.github.com/en/rest/issues/issues), `state`, `per_page` (max 100, default 30)
 *   and `page`, with a `Link` header (https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api).
 * Errors are GitHub's `{ message, documentation_url, status }`: 401 "Requires authentication" /
 * "Bad credentials", 404 "Not Found", 422 "Validation Failed" with `errors`
 * (https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api). Writing to
 * a private repository needs the `repo` scope (https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/scopes-for-oauth-apps).
 */
import { bearerOf, type TokenCheck } from './auth.ts';
import { type GitHubData, type GitHubIssue, type GitHubRepo, seedGitHub } from './github-seed.ts';
import { intParam, jsonAnswer, jsonObjectBody } from './http.ts';

const API = 'https://api.github.com';
const DOCS = 'https://docs.github.com/rest';

function problem(status: number, message: string, extra: Record<string, unknown> = {}): Response {
  return jsonAnswer({ message, ...extra, documentation_url: DOCS, status: String(status) }, status);
}

export interface GitHubFake {
  data: GitHubData;
  handle(req: Request): Promise<Response>;
}

export function createGitHubFake(check: TokenCheck, now: () => number = Date.now): GitHubFake {
  const data = seedGitHub(now());
  const owner = (login: string) => {
    const u = data.users.find((x) => x.login === login);
    return u
      ? {
          login: u.login,
          id: u.id,
          node_id: `U_demo${u.id}`,
          type: u.type,
          html_url: `https://github.com/${u.login}`,
          url: `${API}/users/${u.login}`,
        }
      : null;
  };
  const repoView = (r: GitHubRepo) => ({
    id: r.id,
    node_id: `R_demo${r.id}`,
    name: r.name,
    full_name: `${r.owner}/${r.name}`,
    private: r.private,
    visibility: r.private ? 'private' : 'public',
    owner: owner(r.owner),
    html_url: `https://github.com/${r.owner}/${r.name}`,
    description: r.description,
    fork: false,
    url: `${API}/repos/${r.owner}/${r.name}`,
    issues_url: `${API}/repos/${r.owner}/${r.name}/issues{/number}`,
    default_branch: 'main',
    open_issues_count: data.issues.filter((i) => i.repoId === r.id && i.state === 'open').length,
    has_issues: true,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    pushed_at: r.updatedAt,
  });
  const issueView = (r: GitHubRepo, i: GitHubIssue) => ({
    id: i.id,
    node_id: `I_demo${i.id}`,
    url: `${API}/repos/${r.owner}/${r.name}/issues/${i.number}`,
    repository_url: `${API}/repos/${r.owner}/${r.name}`,
    html_url: `https://github.com/${r.owner}/${r.name}/issues/${i.number}`,
    number: i.number,
    state: i.state,
    state_reason: i.state === 'closed' ? 'completed' : null,
    title: i.title,
    body: i.body,
    user: owner(i.author),
    labels: i.labels.map((name, k) => ({ id: i.id * 10 + k, name, color: 'ededed', default: false })),
    assignees: i.assignees.map(owner),
    comments: 0,
    locked: false,
    created_at: i.createdAt,
    updated_at: i.updatedAt,
    closed_at: i.closedAt,
  });

  /** The repo at owner/name the caller may see (private ones need `repo` and membership). */
  const visibleRepo = (login: string, scopes: readonly string[], ownerName: string, name: string) => {
    const r = data.repos.find(
      (x) => x.owner.toLowerCase() === ownerName.toLowerCase() && x.name.toLowerCase() === name.toLowerCase(),
    );
    if (!r) return undefined;
    if (r.private && (!scopes.includes('repo') || !r.members.includes(login))) return undefined;
    return r;
  };

  function paged<T>(url: URL, items: T[]): Response {
    const perPage = intParam(url, 'per_page', 30, 100);
    const page = intParam(url, 'page', 1, 100_000);
    if (perPage === undefined || page === undefined)
      return problem(422, 'Validation Failed', {
        errors: [{ resource: 'Search', code: 'invalid', field: 'per_page' }],
      });
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const links: string[] = [];
    const link = (p: number, rel: string) => {
      const u = new URL(url.pathname + url.search, API);
      u.searchParams.set('page', String(p));
      u.searchParams.set('per_page', String(perPage));
      links.push(`<${u.href}>; rel="${rel}"`);
    };
    if (page < last) {
      link(page + 1, 'next');
      link(last, 'last');
    }
    if (page > 1) {
      link(1, 'first');
      link(page - 1, 'prev');
    }
    return jsonAnswer(
      items.slice((page - 1) * perPage, page * perPage),
      200,
      links.length ? { link: links.join(', ') } : {},
    );
  }

  return {
    data,
    async handle(req) {
      const url = new URL(req.url);
      const token = bearerOf(req);
      if (!token) return problem(401, 'Requires authentication');
      const caller = check(token);
      if (!caller) return problem(401, 'Bad credentials');
      const login = caller.account;
      const scopesHeader = { 'x-oauth-scopes': caller.scopes.join(', ') };
      const withScopes = (res: Response) => {
        res.headers.set('x-oauth-scopes', scopesHeader['x-oauth-scopes']);
        res.headers.set('x-github-api-version-selected', '2022-11-28');
        return res;
      };
      const path = url.pathname.replace(/\/+$/, '') || '/';
      const method = req.method.toUpperCase();
      if (path === '/user' && method === 'GET') {
        const u = data.users.find((x) => x.login === login);
        return withScopes(
          jsonAnswer({
            ...owner(login),
            name: u?.name ?? null,
            email: u?.email ?? null,
            bio: 'Demo account of Gatehouse local mode',
            public_repos: data.repos.filter((r) => r.owner === login && !r.private).length,
          }),
        );
      }
      if (path === '/user/repos' && method === 'GET') {
        const mine = data.repos.filter(
          (r) => visibleRepo(login, caller.scopes, r.owner, r.name) && r.members.includes(login),
        );
        return withScopes(paged(url, mine.map(repoView)));
      }
      const m = /^\/repos\/([^/]+)\/([^/]+)(?:\/issues(?:\/(\d+))?)?$/.exec(path);
      if (!m) return problem(404, 'Not Found');
      const repo = visibleRepo(login, caller.scopes, m[1]!, m[2]!);
      if (!repo) return problem(404, 'Not Found');
      const isIssues = path.includes('/issues');
      const number = m[3] ? Number(m[3]) : undefined;
      if (!isIssues)
        return method === 'GET' ? withScopes(jsonAnswer(repoView(repo))) : problem(404, 'Not Found');
      if (number === undefined) {
        if (method === 'GET') {
          const state = url.searchParams.get('state') ?? 'open';
          if (!['open', 'closed', 'all'].includes(state))
            return problem(422, 'Validation Failed', {
              errors: [{ resource: 'Issue', code: 'invalid', field: 'state' }],
            });
          const list = data.issues
            .filter((i) => i.repoId === repo.id && (state === 'all' || i.state === state))
            .sort((a, b) => b.number - a.number);
          return withScopes(
            paged(
              url,
              list.map((i) => issueView(repo, i)),
            ),
          );
        }
        if (method !== 'POST') return problem(404, 'Not Found');
        if (repo.private && !caller.scopes.includes('repo')) return problem(404, 'Not Found');
        const body = await jsonObjectBody(req);
        if (!body) return problem(400, 'Problems parsing JSON');
        if (typeof body.title !== 'string' || body.title.trim() === '')
          return problem(422, 'Validation Failed', {
            errors: [{ resource: 'Issue', code: 'missing_field', field: 'title' }],
          });
        const at = new Date(now()).toISOString();
        const issue: GitHubIssue = {
          id: 9_000_000 + data.issues.length + 1,
          repoId: repo.id,
          number: Math.max(0, ...data.issues.filter((i) => i.repoId === repo.id).map((i) => i.number)) + 1,
          title: body.title,
          body: typeof body.body === 'string' ? body.body : null,
          state: 'open',
          author: login,
          labels: Array.isArray(body.labels)
            ? body.labels.filter((l): l is string => typeof l === 'string')
            : [],
          assignees: Array.isArray(body.assignees)
            ? body.assignees.filter((a): a is string => typeof a === 'string')
            : [],
          createdAt: at,
          updatedAt: at,
          closedAt: null,
        };
        data.issues.push(issue);
        const view = issueView(repo, issue);
        return withScopes(jsonAnswer(view, 201, { location: view.url }));
      }
      const issue = data.issues.find((i) => i.repoId === repo.id && i.number === number);
      if (!issue) return problem(404, 'Not Found');
      if (method === 'GET') return withScopes(jsonAnswer(issueView(repo, issue)));
      if (method !== 'PATCH') return problem(404, 'Not Found');
      const body = await jsonObjectBody(req);
      if (!body) return problem(400, 'Problems parsing JSON');
      if (body.state !== undefined && body.state !== 'open' && body.state !== 'closed')
        return problem(422, 'Validation Failed', {
          errors: [{ resource: 'Issue', code: 'invalid', field: 'state' }],
        });
      if (typeof body.title === 'string' && body.title.trim() !== '') issue.title = body.title;
      if (typeof body.body === 'string') issue.body = body.body;
      if (body.state === 'open' || body.state === 'closed') {
        issue.closedAt = body.state === 'closed' ? new Date(now()).toISOString() : null;
        issue.state = body.state;
      }
      issue.updatedAt = new Date(now()).toISOString();
      return withScopes(jsonAnswer(issueView(repo, issue)));
    },
  };
}
