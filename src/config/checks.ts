/** The checks loadConfig (index.ts) runs on single values: each returns or records a message naming the variable. */
import {
  accessSync,
  closeSync,
  constants as fsConstants,
  openSync,
  readSync,
  realpathSync,
  statSync,
} from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import { type Cidr, parseCidr } from './cidr.ts';

export type Env = Record<string, string | undefined>;

/**
 * A value as a message shows it: quoted, cut after 200 characters, and with control characters
 * written as escapes (`\u000a`, `\u001b`), so a pasted line break or a terminal escape sequence
 * neither hides nor rewrites the rest of the message.
 */
export const quote = (v: unknown) => {
  const s = String(v);
  // Cut before a surrogate pair, never inside one.
  const cut = /[\ud800-\udbff]/.test(s[199] ?? '') ? 199 : 200;
  const shown = s.length > 200 ? `${s.slice(0, cut)}… (${s.length} characters)` : s;
  // Control characters, and the bidirectional ones that would reorder what follows on screen.
  return `'${shown.replace(/[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}'`;
};

/** Empty strings count as unset, as shells and .env files produce them. */
export const optional = (env: Env, name: string) => {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
};

export const portSchema = (name: string) =>
  z
    .string()
    .regex(/^\d+$/, { error: (i) => `${name} must be a port number, got ${quote(i.input)}` })
    .transform(Number)
    .refine((n) => n >= 1 && n <= 65535, {
      error: (i) => `${name} must be a port number between 1 and 65535, got ${quote(i.input)}`,
    });

/**
 * A URL as messages and `config check` show it: credentials and query values masked (an API key
 * or a password in a misplaced URL is still a secret). What does not parse is shown with anything
 * before an `@` after `//` masked.
 */
export function displayUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (!u.username && !u.password && !u.search) return raw;
    if (u.username) u.username = '***';
    if (u.password) u.password = '***';
    for (const k of new Set(u.searchParams.keys())) u.searchParams.set(k, '***');
    return u.toString();
  } catch {
    return raw.replace(/\/\/[^/]*@/, '//***@');
  }
}

/** Port 0 is no port anyone can reach (a server bound to it gets whichever port is free). */
export const portZeroProblem = (name: string, u: URL, raw: string) =>
  u.port === '0'
    ? `${name} must not use port 0: no one can reach a URL on it, got ${quote(displayUrl(raw))}`
    : undefined;

export const urlSchema = (name: string) =>
  z.string().superRefine((raw, ctx) => {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: `${name} must be an absolute http(s) URL, got ${quote(displayUrl(raw))}`,
      });
      return;
    }
    const port0 = portZeroProblem(name, u, raw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      ctx.addIssue({
        code: 'custom',
        message: `${name} must use http or https, got ${quote(displayUrl(raw))}`,
      });
    } else if ((u.pathname !== '/' && u.pathname !== '') || u.search || u.hash) {
      ctx.addIssue({
        code: 'custom',
        message: `${name} must be an origin without path, query or fragment (e.g. https://gatehouse.example.com), got ${quote(displayUrl(raw))}`,
      });
    } else if (u.username || u.password) {
      ctx.addIssue({ code: 'custom', message: `${name} must not contain credentials` });
    } else if (port0) {
      ctx.addIssue({ code: 'custom', message: port0 });
    } else if (u.protocol === 'http:' && !isLoopbackHost(u.hostname)) {
      // OAuth 2.1 §1.5: authorization servers must use TLS except on loopback.
      ctx.addIssue({
        code: 'custom',
        message: `${name} must use https unless it is a loopback address, got ${quote(displayUrl(raw))}`,
      });
    }
  });

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** LOG_FORMAT: one JSON object per line (default, for collectors), or a line for people. */
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * Why the audit witness cannot be at `path`, or undefined when it can: an absolute path outside
 * the data dir (a restored data dir must not bring its witness with it), to a file that exists
 * and can be written, or that can be created in an existing, writable directory.
 */
export function witnessProblem(path: string, dataDir: string): string | undefined {
  const name = 'GATEHOUSE_AUDIT_WITNESS';
  if (!isAbsolute(path))
    return `${name} must be an absolute path to a file on another volume than the data dir, got ${quote(path)}`;
  if (isInside(dataDir, path))
    return `${name} must be outside GATEHOUSE_DATA_DIR (${dataDir}): a copy of the data dir restored from a backup would bring the witness back with it; put it on another volume, got ${quote(path)}`;
  const writable = (p: string) => {
    try {
      accessSync(p, fsConstants.W_OK);
      return true;
    } catch {
      return false;
    }
  };
  let stat: ReturnType<typeof statSync> | undefined;
  try {
    stat = statSync(path, { throwIfNoEntry: false });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') return `${name} cannot be written: a parent of ${quote(path)} is not a directory`;
    return `${name} cannot be written: ${quote(path)} is not reachable (${code ?? (e as Error).message})`;
  }
  if (stat) {
    if (!stat.isFile()) return `${name} must be a file, but ${quote(path)} is not a regular file`;
    if (!writable(path)) return `${name} cannot be written: ${quote(path)} is not writable by this user`;
    // Heads are appended to it: a file that holds something else (a mistyped path to another
    // file) would be written into, and is refused.
    if (stat.size > 0 && !startsWithWitnessRecord(path))
      return `${name} ${quote(path)} holds something other than witness records (one signed head a line, {"seq":…,"hash":…}): Gatehouse appends to it and never writes into another file. Name a new file, or the witness Gatehouse started`;
    return undefined;
  }
  const dir = dirname(path);
  let dirStat: ReturnType<typeof statSync> | undefined;
  try {
    dirStat = statSync(dir, { throwIfNoEntry: false });
  } catch (e) {
    return `${name} cannot be written: its directory ${quote(dir)} is not reachable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
  }
  if (!dirStat) return `${name} cannot be written: its directory ${quote(dir)} does not exist`;
  if (!dirStat.isDirectory()) return `${name} cannot be written: ${quote(dir)} is not a directory`;
  if (!writable(dir))
    return `${name} cannot be written: its directory ${quote(dir)} is not writable by this user (or is on a read-only volume)`;
  return undefined;
}

/**
 * Whether `path` is `dir` or inside it, compared as the file system sees them: through a link to
 * the directory (or into it) is inside it; a name like `..backups` in it is inside too.
 */
export function isInside(dir: string, path: string): boolean {
  const rel = relative(realPath(dir), realPath(path));
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** The path with every link resolved, as far as it exists (the rest appended as given). */
function realPath(path: string): string {
  const absolute = resolve(path);
  for (let head = absolute, tail = ''; ; ) {
    try {
      return join(realpathSync(head), tail);
    } catch {
      if (head === dirname(head)) return absolute;
      tail = join(basename(head), tail);
      head = dirname(head);
    }
  }
}

/**
 * Whether the file begins as the witness writer begins every line (src/audit/witness.ts: a head's
 * JSON, `seq` first). Only the start is read: a first line a crash cut short still counts.
 */
function startsWithWitnessRecord(path: string): boolean {
  const start = '{"seq":';
  try {
    const fd = openSync(path, 'r');
    try {
      const buf = Buffer.alloc(start.length);
      return readSync(fd, buf, 0, buf.length, 0) === buf.length && buf.toString('utf8') === start;
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

/** TRUSTED_PROXIES: comma-separated addresses or CIDR ranges; every bad one is named. */
export function trustedProxiesFrom(raw: string | undefined, problems: string[]): Cidr[] {
  if (raw === undefined) return [];
  const out: Cidr[] = [];
  const bad: string[] = [];
  for (const item of raw.split(',').map((x) => x.trim())) {
    if (item === '') continue;
    const r = parseCidr(item);
    if (r.ok) out.push(r.cidr);
    else bad.push(`${quote(item.slice(0, 60))} ${r.problem}`);
  }
  if (bad.length > 0)
    problems.push(
      `TRUSTED_PROXIES must be a comma-separated list of IP addresses or CIDR ranges of your reverse proxies (e.g. 10.0.0.0/8, 2001:db8::/32): ${bad.join('; ')}`,
    );
  return out;
}

/** The host of an ALLOWED_HOSTS entry (`host`, `host:port`, `[v6]`, `[v6]:port`). */
export function hostOf(entry: string): string {
  if (entry.startsWith('[')) return entry.slice(0, entry.indexOf(']') + 1);
  return entry.split(':')[0] ?? entry;
}

/**
 * Local mode signs anyone in as any seeded account (admins included) with one click: it must
 * not be reachable beyond this machine unless the operator says so (GATEHOUSE_DEMO_PUBLIC=1).
 */
export function demoExposure(host: string, publicUrl: string, extraHosts: readonly string[]): string[] {
  const why =
    'local mode (no WorkOS API key) has no real sign-in: anyone who reaches it can act as any demo account, admins included';
  const fix =
    'Keep it on loopback, configure live mode (WORKOS_API_KEY), or set GATEHOUSE_DEMO_PUBLIC=1 to expose the demo on purpose.';
  const out: string[] = [];
  if (!isLoopbackHost(host))
    out.push(
      `HOST is ${quote(host)}, not a loopback address, but ${why}. Bind to loopback (HOST=127.0.0.1 or localhost, the default). ${fix}`,
    );
  const pub = new URL(publicUrl).hostname;
  if (!isLoopbackHost(pub))
    out.push(`PUBLIC_URL is ${quote(publicUrl)}, not a loopback address, but ${why}. ${fix}`);
  const foreign = extraHosts.filter((h) => !isLoopbackHost(hostOf(h)));
  if (foreign.length > 0)
    out.push(`ALLOWED_HOSTS names ${foreign.map(quote).join(', ')}, not loopback, but ${why}. ${fix}`);
  return out;
}
