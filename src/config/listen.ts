/**
 * HOST and PORT as the operating system sees them: a shape check loadConfig runs, a resolution
 * check `gatehouse serve` and `gatehouse config check` run, and the translation of a failed bind
 * into a sentence naming the variable (instead of Bun's bare `EINVAL: invalid argument, listen`).
 */
import { lookup } from 'node:dns/promises';
import { isIP, isIPv4, isIPv6 } from 'node:net';
import { networkInterfaces } from 'node:os';
import { quote } from './checks.ts';

const strip = (h: string) => h.replace(/^\[|\]$/g, '');

/** Why HOST cannot be an address at all (an impossible IPv4 or IPv6 literal); undefined when it can. */
export function hostShapeProblem(host: string): string | undefined {
  // Brackets only as a pair around a whole IPv6 address (`[::1]`, as in a URL): one alone, or
  // around anything else, is no address Bun could bind.
  if (/[[\]]/.test(host) && !(/^\[[^[\]]+\]$/.test(host) && isIPv6(strip(host))))
    return 'may hold brackets only as a pair around an IPv6 address, like [::1]';
  const h = strip(host);
  if (/^[\d.]+$/.test(h) && !isIPv4(h)) return 'must be a valid IPv4 address or a hostname';
  if (h.includes(':') && !isIPv6(h)) return 'must be a valid IPv6 address or a hostname';
  return undefined;
}

const WILDCARDS = new Set(['0.0.0.0', '::']);

/** This machine's addresses (every interface), for telling an address that cannot be bound. */
function localAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(a.address);
  return out;
}

/**
 * Why Gatehouse could not listen on HOST: a name that does not resolve, or an
 * address no interface of this machine has (the bind would fail with EADDRNOTAVAIL after the
 * embedded WorkOS had started; `serve` and `config check` say so first).
 */
export async function hostProblem(host: string): Promise<string | undefined> {
  const h = strip(host);
  let addresses: string[];
  if (isIP(h)) addresses = [h];
  else {
    try {
      addresses = (await lookup(h, { all: true })).map((a) => a.address);
    } catch (e) {
      return `HOST ${quote(host)} does not resolve to an address (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): use an IP address of this machine, 0.0.0.0 (every interface, as in a container) or localhost`;
    }
  }
  const mine = localAddresses();
  const bindable = addresses.filter((a) => WILDCARDS.has(a) || mine.has(a));
  if (bindable.length === 0)
    return `HOST ${quote(host)}${isIP(h) ? '' : ` (${addresses.join(', ')})`} is not an address of this machine: use one of ${[...mine].filter((a) => !a.startsWith('fe80:')).join(', ')}, or 0.0.0.0 for every interface`;
  return undefined;
}

/** A failed bind as a sentence naming HOST and PORT; undefined for errors that are not about binding. */
export function describeListenError(e: unknown, host: string, port: number): string | undefined {
  const err = e as NodeJS.ErrnoException | undefined;
  // An error about a file (a data dir file it cannot open) is not the listener's.
  if (err?.path !== undefined && err.syscall !== 'listen') return undefined;
  const code = err?.code;
  const at = `HOST ${quote(host)}, PORT ${quote(port)}`;
  switch (code) {
    case 'EADDRINUSE':
      return `PORT ${port} is already in use on HOST ${quote(host)}: another process listens there (another Gatehouse?). Stop it or choose another PORT`;
    case 'EADDRNOTAVAIL':
      return `HOST ${quote(host)} is not an address of this machine, so Gatehouse cannot listen on it (${at}): use an address of one of its interfaces, 0.0.0.0 for all of them, or localhost`;
    case 'EINVAL':
      return `HOST ${quote(host)} is not an address Gatehouse can listen on (${at}: EINVAL): use an IP address of this machine, 0.0.0.0 or localhost`;
    case 'EACCES':
    case 'EPERM':
      return `PORT ${port} needs privileges this user does not have (${code}): use a port above 1023 and let your reverse proxy listen on 443`;
    default:
      return undefined;
  }
}
