/**
 * The wire-level guard of a managed environment that is also the identity environment
 * (docs/architecture.md "Trust model"): admitted teams' own organizations are staff, never
 * customers, so a tool must never read, change or delete them. Organization ids are unique
 * across WorkOS, so the guard is exact: any request that names a protected id is answered
 * 404 without leaving Gatehouse, any answer about one is 404, and list answers leave them out.
 */

const NOT_A_CUSTOMER = {
  message:
    'Gatehouse: that organization is a Gatehouse team (staff), not a customer; tools never read or change it.',
  code: 'entity_not_found',
};

/** Whether a WorkOS object belongs to a protected organization (is one, or is inside one). */
function belongs(value: unknown, ids: ReadonlySet<string>): boolean {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const o = value as Record<string, unknown>;
  return (
    (typeof o.id === 'string' && ids.has(o.id)) ||
    (typeof o.organization_id === 'string' && ids.has(o.organization_id))
  );
}

function namesProtected(text: string, ids: ReadonlySet<string>): boolean {
  for (const id of ids) if (text.includes(id)) return true;
  return false;
}

function notFound(): Response {
  return new Response(JSON.stringify(NOT_A_CUSTOMER), {
    status: 404,
    headers: { 'content-type': 'application/json', 'x-request-id': `gatehouse_${crypto.randomUUID()}` },
  });
}

/** Wraps the SDK's fetch so `protect()` organizations stay out of every request and answer. */
export function guardOrganizations(base: typeof fetch, protect: () => ReadonlySet<string>): typeof fetch {
  const guarded = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const ids = protect();
    if (ids.size === 0) return base(input, init);
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const body = typeof init?.body === 'string' ? init.body : '';
    if (namesProtected(decodeURIComponent(url), ids) || namesProtected(body, ids)) return notFound();
    const res = await base(input, init);
    if (!res.ok || !(res.headers.get('content-type') ?? '').includes('json')) return res;
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return new Response(text, res);
    }
    if (belongs(parsed, ids)) return notFound();
    const list = parsed as { data?: unknown };
    if (parsed && typeof parsed === 'object' && Array.isArray(list.data)) {
      const kept = list.data.filter((item) => !belongs(item, ids));
      if (kept.length !== list.data.length) {
        const headers = new Headers(res.headers);
        headers.delete('content-length');
        return new Response(JSON.stringify({ ...list, data: kept }), {
          status: res.status,
          statusText: res.statusText,
          headers,
        });
      }
    }
    return new Response(text, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
  return Object.assign(guarded, { preconnect: base.preconnect }) as typeof fetch;
}
