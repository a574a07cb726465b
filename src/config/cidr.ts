import { parseIPv4, parseIPv6 } from '../outbound/ip-parse.ts';

/** An IP address as a number: IPv4 in 32 bits, IPv6 in 128 (IPv4-mapped IPv6 counts as IPv4). */
export interface IpAddress {
  v6: boolean;
  value: bigint;
}

/** An address range from TRUSTED_PROXIES (a bare address is a /32 or /128). */
export interface Cidr {
  /** As the operator wrote it, for messages. */
  text: string;
  v6: boolean;
  base: bigint;
  bits: number;
}

const MAPPED_V4_PREFIX = 0xffffn;

/** Parses an IPv4 or IPv6 literal (no brackets, no port); `::ffff:a.b.c.d` becomes `a.b.c.d`. */
export function parseIp(text: string): IpAddress | null {
  const v4 = parseIPv4(text);
  if (v4 !== null) return { v6: false, value: BigInt(v4) };
  const v6 = parseIPv6(text);
  if (v6 === null) return null;
  if (v6 >> 32n === MAPPED_V4_PREFIX) return { v6: false, value: v6 & 0xffffffffn };
  return { v6: true, value: v6 };
}

/** Why `text` is not an address or CIDR range, or the range. */
export function parseCidr(text: string): { ok: true; cidr: Cidr } | { ok: false; problem: string } {
  const [addr, bitsText, ...rest] = text.split('/');
  const ip = parseIp(addr ?? '');
  if (!ip || rest.length > 0) return { ok: false, problem: 'is not an IP address or CIDR range' };
  const width = ip.v6 ? 128 : 32;
  if (bitsText === undefined) return { ok: true, cidr: { text, v6: ip.v6, base: ip.value, bits: width } };
  if (!/^\d{1,3}$/.test(bitsText) || Number(bitsText) > width)
    return { ok: false, problem: `has a prefix length outside 0–${width}` };
  const bits = Number(bitsText);
  const shift = BigInt(width - bits);
  const base = (ip.value >> shift) << shift;
  if (base !== ip.value) {
    const hint = ip.v6 ? '' : ` (did you mean ${formatV4(base)}/${bits}?)`;
    return { ok: false, problem: `has address bits set beyond its /${bits} prefix${hint}` };
  }
  return { ok: true, cidr: { text, v6: ip.v6, base, bits } };
}

function formatV4(v: bigint): string {
  const n = Number(v);
  return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');
}

export function inCidr(ip: IpAddress, c: Cidr): boolean {
  if (ip.v6 !== c.v6) return false;
  const shift = BigInt((c.v6 ? 128 : 32) - c.bits);
  return ip.value >> shift === c.base >> shift;
}

export function inAnyCidr(ip: IpAddress, cidrs: readonly Cidr[]): boolean {
  return cidrs.some((c) => inCidr(ip, c));
}
