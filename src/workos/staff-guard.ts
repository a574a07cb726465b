/**
 * The wire-level guard of a managed environment that is also the identity environment
 * (docs/architecture.md "Trust model"): the admitted teams are staff, never customers, so no tool
 * may read, change or delete their organizations, their people, or claim their domains there.
 * Ids are unique across WorkOS, so the guard is exact:
 *  - a request that names a staff organization or person (path, query or JSON body), or a staff
 *    domain in its body, is answered 404 without leaving Gatehouse;
 *  - an answer about one is 404;
 *  - a list leaves them out (events and other envelopes are looked into: `data`), and a page
 *    cursor that would name a left-out item names the last kept one instead;
 *  - Radar's lists, which hold for the whole environment and so for Gatehouse's own sign-in, are
 *    never changed (403).
 */

/** What marks an object as staff. */
export interface StaffMarks {
  organizations: ReadonlySet<string>;
  users: ReadonlySet<string>;
  /** Lower-case domains of the staff organizations. */
  domains: ReadonlySet<string>;
}

const NOT_A_CUSTOMER = {
  message:
    'Gatehouse: that belongs to a Gatehouse team (staff), not a customer; tools never read or change it.',
  code: 'entity_not_found',
};

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** Whether a WorkOS object is staff: a staff organization or person, or something inside one. */
export function isStaff(value: unknown, marks: StaffMarks): boolean {
  if (!isObject(value)) return false;
  const { id, organization_id: org, user_id: user, object } = value;
  if (typeof id === 'string' && marks.organizations.has(id)) return true;
  if (typeof org === 'string' && marks.organizations.has(org)) return true;
  if (typeof id === 'string' && object === 'user' && marks.users.has(id)) return true;
  // A staff person's own objects (sessions, memberships) outside a customer organization.
  if (typeof user === 'string' && marks.users.has(user) && typeof org !== 'string') return true;
  // Envelopes (events, webhooks) carry the object in `data`.
  return isObject(value.data) && isStaff(value.data, marks);
}

/** Every string in a JSON value (keys excluded), to look for staff ids and domains. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (isObject(value)) for (const v of Object.values(value)) strings(v, out);
  return out;
}

function namesStaff(text: string, marks: StaffMarks): boolean {
  for (const id of marks.organizations) if (text.includes(id)) return true;
  for (const id of marks.users) if (text.includes(id)) return true;
  return false;
}

function bodyNamesStaff(body: string, marks: StaffMarks): boolean {
  if (body === '') return false;
  if (namesStaff(body, marks)) return true;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return false;
  }
  return strings(parsed).some((s) => marks.domains.has(s.trim().toLowerCase()));
}

/**
 * Radar's allow and block lists hold for the whole environment (https://workos.com/docs/reference/radar/lists):
 * in the identity environment they also decide who signs in to Gatehouse, so blocking a staff
 * person's email, their address or their country — or allow-listing an attacker — would change
 * Gatehouse's own sign-in. No tool changes them there; reading detections stays possible.
 */
const RADAR_LISTS = /\/radar\/lists(?:\/|$)/i;

/** Whether a request goes to Radar's lists (its path as fetch will send it, and decoded). */
function changesRadarList(url: string): boolean {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return true; // what cannot be read is not sent
  }
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {}
  return RADAR_LISTS.test(path) || RADAR_LISTS.test(decoded);
}

const SIGNS_IN_STAFF = {
  message:
    "Gatehouse: this environment is also Gatehouse's identity environment, where Radar's lists decide who signs in to Gatehouse itself; tools never change them here. Change them in the WorkOS dashboard.",
  code: 'forbidden',
};

function refused(body: { message: string; code: string }, status: number): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', 'x-request-id': `gatehouse_${crypto.randomUUID()}` },
  });
}

function notFound(): Response {
  return new Response(JSON.stringify(NOT_A_CUSTOMER), {
    status: 404,
    headers: { 'content-type': 'application/json', 'x-request-id': `gatehouse_${crypto.randomUUID()}` },
  });
}

/** A list page with staff left out, its cursors never naming a left-out item. */
function withoutStaff(list: { data: unknown[]; list_metadata?: unknown }, marks: StaffMarks) {
  const kept = list.data.filter((item) => !isStaff(item, marks));
  if (kept.length === list.data.length) return undefined;
  const dropped = new Set(
    list.data.filter((item) => isStaff(item, marks)).map((item) => (isObject(item) ? item.id : undefined)),
  );
  const meta = isObject(list.list_metadata) ? { ...list.list_metadata } : undefined;
  if (meta) {
    const idOf = (item: unknown) => (isObject(item) ? item.id : undefined);
    const first = idOf(kept[0]);
    const last = idOf(kept.at(-1));
    if (dropped.has(meta.after)) meta.after = last ?? null;
    if (dropped.has(meta.before)) meta.before = first ?? null;
  }
  return { ...list, data: kept, ...(meta ? { list_metadata: meta } : {}) };
}

/** Wraps the SDK's fetch so staff stay out of every request and answer. */
export function guardOrganizations(
  base: typeof fetch,
  protect: () => StaffMarks | Promise<StaffMarks>,
): typeof fetch {
  const guarded = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    if (method !== 'GET' && changesRadarList(url)) return refused(SIGNS_IN_STAFF, 403);
    const marks = await protect();
    if (marks.organizations.size === 0 && marks.users.size === 0) return base(input, init);
    const body = typeof init?.body === 'string' ? init.body : '';
    let target: string;
    try {
      target = decodeURIComponent(url);
    } catch {
      target = url;
    }
    if (namesStaff(target, marks) || bodyNamesStaff(body, marks)) return notFound();
    const res = await base(input, init);
    if (!res.ok || !(res.headers.get('content-type') ?? '').includes('json')) return res;
    const text = await res.text();
    const again = () =>
      new Response(text, { status: res.status, statusText: res.statusText, headers: res.headers });
    // An answer that names no staff id holds nothing of theirs (isStaff matches ids exactly), and
    // is passed on without being read twice. JSON spells a string's characters out unless it
    // escapes them (RFC 8259 §7: `\u…`, `\/`, `\n`…): an answer with any escape is read in full,
    // whatever characters the staff ids hold.
    if (!text.includes('\\') && !namesStaff(text, marks)) return again();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return again();
    }
    if (isStaff(parsed, marks)) return notFound();
    if (isObject(parsed) && Array.isArray(parsed.data)) {
      const filtered = withoutStaff(parsed as { data: unknown[]; list_metadata?: unknown }, marks);
      if (filtered) {
        const headers = new Headers(res.headers);
        headers.delete('content-length');
        return new Response(JSON.stringify(filtered), {
          status: res.status,
          statusText: res.statusText,
          headers,
        });
      }
    }
    return again();
  };
  return Object.assign(guarded, { preconnect: base.preconnect }) as typeof fetch;
}
