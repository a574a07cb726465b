import { type Cidr, type IpAddress, inAnyCidr, parseIp } from '../config/cidr.ts';

interface Addresses {
  /** The TCP peer, as Bun reports it. */
  peer: string;
  /** Who the request is from: the peer, or behind a trusted proxy the client it forwarded for. */
  client: string;
}

/** The addresses of each request, recorded by the dispatcher (Bun's server knows them, Elysia does not). */
const addresses = new WeakMap<Request, Addresses>();

/**
 * Records a request's peer and, when the peer is a trusted proxy (TRUSTED_PROXIES), the client
 * it forwarded for. Without trusted proxies X-Forwarded-For is ignored: anyone can send it.
 */
export function recordPeer(
  request: Request,
  address: string | undefined,
  trustedProxies: readonly Cidr[] = [],
): void {
  if (!address) return;
  const client =
    trustedProxies.length > 0
      ? forwardedClient(address, request.headers.get('x-forwarded-for'), trustedProxies)
      : address;
  addresses.set(request, { peer: address, client });
}

/** The TCP peer: what operator-only checks (/metrics, /readyz details) go by, never a header. */
export function peerAddress(request: Request): string {
  return addresses.get(request)?.peer ?? 'unknown';
}

/** Who the request is from, for per-address limits (see recordPeer). */
export function clientAddress(request: Request): string {
  return addresses.get(request)?.client ?? 'unknown';
}

/** An address as it appears in X-Forwarded-For: bare, `a.b.c.d:port`, `[v6]` or `[v6]:port`. */
function forwardedEntry(raw: string): IpAddress | null {
  const s = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(s);
  if (bracketed) return parseIp(bracketed[1]!);
  const v4Port = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(s);
  return parseIp(v4Port ? v4Port[1]! : s);
}

function format(ip: IpAddress): string {
  if (!ip.v6) {
    const n = Number(ip.value);
    return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');
  }
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((ip.value >> BigInt(i * 16)) & 0xffffn).toString(16));
  return groups.join(':');
}

/**
 * The client behind a chain of proxies: X-Forwarded-For is read from the right (each proxy
 * appends the address it received from), skipping trusted proxies; the first address that is
 * not one is the client. The header counts only when the TCP peer is itself trusted, and an
 * entry that is not an address ends the walk at the last trusted hop (whoever wrote it is not
 * to be believed).
 */
export function forwardedClient(peer: string, header: string | null, trusted: readonly Cidr[]): string {
  const peerIp = parseIp(peer);
  if (!peerIp || !inAnyCidr(peerIp, trusted) || !header) return peer;
  let client = peer;
  const hops = header.split(',');
  for (let i = hops.length - 1; i >= 0; i--) {
    const ip = forwardedEntry(hops[i]!);
    if (!ip) break;
    client = format(ip);
    if (!inAnyCidr(ip, trusted)) break;
  }
  return client;
}

/**
 * The key per-address limits count under: an IPv4 address, or an IPv6 address's /64 (one
 * subscriber usually holds a whole /64, so single addresses would be free to rotate).
 */
export function addressKey(address: string): string {
  const ip = parseIp(address);
  if (!ip) return address;
  if (!ip.v6) return format(ip);
  return `${format({ v6: true, value: (ip.value >> 64n) << 64n })}/64`;
}
