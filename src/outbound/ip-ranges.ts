import { parseIPv4, parseIPv6 } from './ip-parse.ts';

/** A refused block: its CIDR text (for messages) and what it is. */
export interface Block<T> {
  cidr: string;
  label: string;
  base: T;
  bits: number;
}

function v4(cidr: string, label: string): Block<number> {
  const [addr, bits] = cidr.split('/');
  const base = parseIPv4(addr!);
  if (base === null) throw new Error(`bad IPv4 block ${cidr}`);
  return { cidr, label, base, bits: Number(bits) };
}

function v6(cidr: string, label: string): Block<bigint> {
  const [addr, bits] = cidr.split('/');
  const base = parseIPv6(addr!);
  if (base === null) throw new Error(`bad IPv6 block ${cidr}`);
  return { cidr, label, base, bits: Number(bits) };
}

/** Whether a 32-bit address lies in the block. */
export function inV4(addr: number, block: Block<number>): boolean {
  // `>>> 0` keeps the mask unsigned; a /0 mask would be `<< 32`, which JS treats as `<< 0`.
  const mask = block.bits === 0 ? 0 : (0xffffffff << (32 - block.bits)) >>> 0;
  return (addr & mask) >>> 0 === block.base;
}

/** Whether a 128-bit address lies in the block. */
export function inV6(addr: bigint, block: Block<bigint>): boolean {
  const shift = BigInt(128 - block.bits);
  return addr >> shift === block.base >> shift;
}

/**
 * IPv4 blocks Gatehouse never calls, most specific first so the message names the sharpest
 * reason (the metadata service rather than "link-local").
 */
export const V4_BLOCKS: readonly Block<number>[] = [
  v4('169.254.169.254/32', 'the cloud metadata service address (AWS, GCP, Azure, OCI, DigitalOcean)'),
  v4('169.254.170.2/32', 'the AWS ECS task metadata service address'),
  v4('100.100.100.200/32', 'the Alibaba Cloud metadata service address'),
  v4('255.255.255.255/32', 'limited broadcast'),
  v4('0.0.0.0/8', 'unspecified'),
  v4('10.0.0.0/8', 'private network'),
  v4('100.64.0.0/10', 'carrier-grade NAT shared address space'),
  v4('127.0.0.0/8', 'loopback'),
  v4('169.254.0.0/16', 'link-local'),
  v4('172.16.0.0/12', 'private network'),
  v4('192.0.0.0/24', 'IETF protocol assignments'),
  v4('192.0.2.0/24', 'documentation (TEST-NET-1)'),
  v4('192.88.99.0/24', 'deprecated 6to4 relay anycast'),
  v4('192.168.0.0/16', 'private network'),
  v4('198.18.0.0/15', 'benchmarking'),
  v4('198.51.100.0/24', 'documentation (TEST-NET-2)'),
  v4('203.0.113.0/24', 'documentation (TEST-NET-3)'),
  v4('224.0.0.0/4', 'multicast'),
  v4('240.0.0.0/4', 'reserved'),
];

/** IPv6 blocks that embed an IPv4 address; refused whatever they wrap (see ip.ts). */
export const V6_WRAPPERS: readonly Block<bigint>[] = [
  v6('::ffff:0:0/96', 'an IPv4-mapped IPv6 address'),
  v6('::ffff:0:0:0/96', 'an IPv4-translated (SIIT) IPv6 address'),
  v6('64:ff9b::/96', 'a NAT64 IPv6 address'),
  v6('64:ff9b:1::/48', 'a local-use NAT64 IPv6 address'),
];

/** 6to4: refused only when the IPv4 address it wraps is refused. */
export const V6_6TO4 = v6('2002::/16', 'a 6to4 IPv6 address');

/** IPv6 blocks Gatehouse never calls, most specific first. */
export const V6_BLOCKS: readonly Block<bigint>[] = [
  v6('::/128', 'unspecified'),
  v6('::1/128', 'loopback'),
  v6('::/96', 'a deprecated IPv4-compatible IPv6 address'),
  v6('100::/64', 'discard-only'),
  v6('2001::/32', 'Teredo tunnelling'),
  v6('2001:db8::/32', 'documentation'),
  v6('2001::/23', 'IETF protocol assignments'),
  v6('3fff::/20', 'documentation'),
  v6('5f00::/16', 'SRv6 segment identifiers'),
  v6('fd00:ec2::254/128', 'the AWS IPv6 instance metadata service address'),
  v6('fc00::/7', 'unique local (private network)'),
  v6('fe80::/10', 'link-local'),
  v6('fec0::/10', 'site-local (deprecated)'),
  v6('ff00::/8', 'multicast'),
];

/** Only global unicast is ever a destination; anything outside it is reserved or special. */
export const V6_GLOBAL_UNICAST = v6('2000::/3', 'global unicast');
