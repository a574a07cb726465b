/**
 * A small, faithful fake of Notion's public API (https://developers.notion.com/reference) for
 * local mode's demo provider:
 * - every request needs `Notion-Version` (https://developers.notion.com/reference/versioning)
 *   and a bearer token (https://developers.notion.com/reference/authentication);
 * - POST /v1/search with `query`, `filter`, `start_cursor`, `page_size` (max 100)
 *   (https://developers.notion.com/reference/post-search), answered as a `list`;
 * - GET /v1/pages/{id} (https://developers.notion.com/reference/retrieve-a-page), POST /v1/pages
 *   (https://developers.notion.com/reference/post-page), PATCH /v1/pages/{id} (`in_trash`, title)
 *   (https://developers.notion.com/reference/patch-page); GET /v1/users/me;
 * - errors `{ object: "error", status, code, message }` with Notion's codes
 *   (https://developers.notion.com/reference/status-codes): `unauthorized`, `missing_version`,
 *   `object_not_found`, `validation_error`, `restricted_resource` (a capability the integration
 *   was not granted: `insert_content` to create, `update_content` to change).
 */
import { bearerOf, type TokenCheck } from './auth.ts';
import { intParam, jsonAnswer, jsonObjectBody } from './http.ts';
import { type NotionPage, seedNotion } from './notion-seed.ts';

function error(status: number, code: string, message: string): Response {
  return jsonAnswer({ object: 'error', status, code, message, request_id: crypto.randomUUID() }, status);
}

/** Notion ids with or without dashes, compared without. */
const bare = (id: string) => id.replaceAll('-', '').toLowerCase();

function richText(content: string) {
  return [
    {
      type: 'text',
      text: { content, link: null },
      annotations: {
        bold: false,
        italic: false,
        strikethrough: false,
        underline: false,
        code: false,
        color: 'default',
      },
      plain_text: content,
      href: null,
    },
  ];
}

export interface NotionFake {
  pages: NotionPage[];
  handle(req: Request): Promise<Response>;
}

export function createNotionFake(check: TokenCheck, now: () => number = Date.now): NotionFake {
  const { pages, bot } = seedNotion(now());
  const pageView = (p: NotionPage) => ({
    object: 'page',
    id: p.id,
    created_time: p.createdTime,
    last_edited_time: p.lastEditedTime,
    created_by: { object: 'user', id: bot.id },
    last_edited_by: { object: 'user', id: bot.id },
    cover: null,
    icon: p.icon ? { type: 'emoji', emoji: p.icon } : null,
    parent: p.parentId ? { type: 'page_id', page_id: p.parentId } : { type: 'workspace', workspace: true },
    archived: p.inTrash,
    in_trash: p.inTrash,
    properties: { title: { id: 'title', type: 'title', title: richText(p.title) } },
    url: `https://www.notion.so/${p.title.replace(/[^A-Za-z0-9]+/g, '-')}-${bare(p.id)}`,
    public_url: null,
  });
  const titleOf = (properties: unknown): string | undefined => {
    const t = (properties as { title?: { title?: { text?: { content?: unknown } }[] } } | undefined)?.title
      ?.title;
    if (!Array.isArray(t)) return undefined;
    const text = t.map((x) => (typeof x?.text?.content === 'string' ? x.text.content : '')).join('');
    return text.trim() === '' ? undefined : text;
  };
  const find = (id: string) => pages.find((p) => bare(p.id) === bare(id));
  const notFound = (id: string) =>
    error(
      404,
      'object_not_found',
      `Could not find page with ID: ${id}. Make sure the relevant pages and databases are shared with your integration.`,
    );

  return {
    pages,
    async handle(req) {
      const url = new URL(req.url);
      const caller = check(bearerOf(req));
      if (!caller) return error(401, 'unauthorized', 'API token is invalid.');
      if (!req.headers.get('notion-version'))
        return error(
          400,
          'missing_version',
          'Notion-Version header failed validation: Notion-Version header should be defined, instead was `undefined`.',
        );
      const method = req.method.toUpperCase();
      const path = url.pathname.replace(/\/+$/, '');
      if (path === '/v1/users/me' && method === 'GET')
        return jsonAnswer({
          object: 'user',
          id: bot.id,
          type: 'bot',
          name: bot.name,
          avatar_url: null,
          bot: {
            owner: { type: 'user', user: { object: 'user', id: caller.userId, name: caller.account } },
            workspace_name: bot.workspace,
          },
        });
      if (path === '/v1/search' && method === 'POST') {
        const body = await jsonObjectBody(req);
        if (!body) return error(400, 'invalid_json', 'Error parsing JSON body.');
        const size = typeof body.page_size === 'number' ? body.page_size : 100;
        if (!Number.isInteger(size) || size < 1 || size > 100)
          return error(400, 'validation_error', 'body failed validation: body.page_size should be ≤ `100`.');
        const filter = body.filter as { property?: unknown; value?: unknown } | undefined;
        if (
          filter !== undefined &&
          (filter?.property !== 'object' || (filter.value !== 'page' && filter.value !== 'database'))
        )
          return error(
            400,
            'validation_error',
            'body failed validation: body.filter.value should be `"page"` or `"database"`.',
          );
        const query = typeof body.query === 'string' ? body.query.toLowerCase() : '';
        // The demo workspace has pages only: a database filter finds nothing, as it would there.
        const hits = pages
          .filter((p) => !p.inTrash && filter?.value !== 'database' && p.title.toLowerCase().includes(query))
          .sort((a, b) => b.lastEditedTime.localeCompare(a.lastEditedTime));
        const start =
          typeof body.start_cursor === 'string'
            ? hits.findIndex((p) => bare(p.id) === bare(body.start_cursor as string))
            : 0;
        if (start === -1)
          return error(
            400,
            'validation_error',
            'body failed validation: body.start_cursor should be a valid cursor.',
          );
        const page = hits.slice(start, start + size);
        const next = hits[start + size];
        return jsonAnswer({
          object: 'list',
          results: page.map(pageView),
          next_cursor: next?.id ?? null,
          has_more: next !== undefined,
          type: 'page_or_database',
          page_or_database: {},
        });
      }
      if (path === '/v1/pages' && method === 'POST') {
        const body = await jsonObjectBody(req);
        if (!body) return error(400, 'invalid_json', 'Error parsing JSON body.');
        const parent = body.parent as { page_id?: unknown; database_id?: unknown } | undefined;
        const parentId = typeof parent?.page_id === 'string' ? parent.page_id : undefined;
        if (!parentId)
          return error(
            400,
            'validation_error',
            'body failed validation: body.parent.page_id should be defined, instead was `undefined`.',
          );
        const title = titleOf(body.properties);
        if (!title)
          return error(
            400,
            'validation_error',
            'body failed validation: body.properties.title.title should be a non-empty rich text array.',
          );
        const parentPage = find(parentId);
        if (!parentPage || parentPage.inTrash) return notFound(parentId);
        if (!caller.scopes.includes('insert_content'))
          return error(
            403,
            'restricted_resource',
            'Insufficient permissions for this endpoint: the integration lacks the insert content capability.',
          );
        const at = new Date(now()).toISOString();
        const created: NotionPage = {
          id: crypto.randomUUID(),
          title,
          parentId: parentPage.id,
          icon: null,
          createdTime: at,
          lastEditedTime: at,
          inTrash: false,
        };
        pages.push(created);
        return jsonAnswer(pageView(created));
      }
      const m = /^\/v1\/pages\/([A-Za-z0-9-]+)$/.exec(path);
      if (m) {
        const p = find(m[1]!);
        if (!p) return notFound(m[1]!);
        if (method === 'GET') return jsonAnswer(pageView(p));
        if (method === 'PATCH') {
          const body = await jsonObjectBody(req);
          if (!body) return error(400, 'invalid_json', 'Error parsing JSON body.');
          if (!caller.scopes.includes('update_content'))
            return error(
              403,
              'restricted_resource',
              'Insufficient permissions for this endpoint: the integration lacks the update content capability.',
            );
          const trash = body.in_trash ?? body.archived;
          if (typeof trash === 'boolean') p.inTrash = trash;
          const title = titleOf(body.properties);
          if (title) p.title = title;
          p.lastEditedTime = new Date(now()).toISOString();
          return jsonAnswer(pageView(p));
        }
      }
      if (intParam(url, 'page_size', 1, 100) === undefined)
        return error(400, 'validation_error', 'page_size should be a number.');
      return error(400, 'invalid_request_url', 'Invalid request URL.');
    },
  };
}
