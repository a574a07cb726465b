/**
 * Where to send a human after sign-in: only a same-origin absolute path. Anything else
 * (`//evil`, `/\evil`, `https://…`, control characters) falls back to `/` — no open redirect.
 */
export function safeReturnTo(value: string | null | undefined): string {
  if (!value || value.length > 4096) return '/';
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
  // Control characters and backslashes are how browsers get tricked into another origin.
  for (const ch of value) if (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f || ch === '\\') return '/';
  try {
    const u = new URL(value, 'http://gatehouse.invalid');
    if (u.origin !== 'http://gatehouse.invalid') return '/';
    return `${u.pathname}${u.search}`;
  } catch {
    return '/';
  }
}
