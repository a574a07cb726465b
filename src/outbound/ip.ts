import { formatIPv4, parseIPv4, parseIPv6 } from './ip-parse.ts';
import { inV4, inV6, V4_BLOCKS, V6_6TO4, V6_BLOCKS, V6_GLOBAL_UNICAST, V6_WRAPPERS } from './ip-ranges.ts';

export type AddressVerdict = { allowed: true } | { allowed: false; reason: string };

/** What a refused IPv4 address is, e.g. `loopback (127.0.0.0/8)`, or null when allowed. */
function v4Problem(value: number): string | null {
  const block = V4_BLOCKS.find((b) => inV4(value, b));
  return block ? `${block.label} (${block.cidr})` : null;
}

function classifyV4(value: number): AddressVerdict {
  const problem = v4Problem(value);
  return problem ? { allowed: false, reason: `${formatIPv4(value)} is ${problem}` } : { allowed: true };
}

function classifyV6(text: string, value: bigint): AddressVerdict {
  const low32 = Number(value & 0xffffffffn);
  // Addresses that carry an IPv4 address reach that IPv4 host through the kernel or a
  // translator, so a public-looking IPv6 literal can still be 127.0.0.1: refuse them all.
  const wrapper = V6_WRAPPERS.find((b) => inV6(value, b));
  if (wrapper) {
    const inner = v4Problem(low32);
    const why = inner ? `, itself ${inner}` : '';
    return {
      allowed: false,
      reason: `${text} is ${wrapper.label} (${wrapper.cidr}) embedding ${formatIPv4(low32)}${why}`,
    };
  }
  if (inV6(value, V6_6TO4)) {
    const wrapped = Number((value >> 80n) & 0xffffffffn);
    const inner = v4Problem(wrapped);
    if (!inner) return { allowed: true };
    const embedded = `${formatIPv4(wrapped)}, which is ${inner}`;
    return { allowed: false, reason: `${text} is ${V6_6TO4.label} (${V6_6TO4.cidr}) embedding ${embedded}` };
  }
  const block = V6_BLOCKS.find((b) => inV6(value, b));
  if (block) return { allowed: false, reason: `${text} is ${block.label} (${block.cidr})` };
  if (!inV6(value, V6_GLOBAL_UNICAST)) {
    return { allowed: false, reason: `${text} is outside global unicast (2000::/3), so reserved` };
  }
  return { allowed: true };
}

/**
 * Decides whether Gatehouse may connect to an IP address literal (IPv4 dotted quad or IPv6,
 * without brackets). Anything that is not a well-formed literal is refused, so a caller can
 * never get `allowed` by passing something this function did not understand.
 */
export function classifyAddress(ip: string): AddressVerdict {
  const v4 = parseIPv4(ip);
  if (v4 !== null) return classifyV4(v4);
  const v6 = parseIPv6(ip);
  if (v6 !== null) return classifyV6(ip, v6);
  if (ip.includes('%')) return { allowed: false, reason: `${ip} is a scoped (zone id) IPv6 address` };
  return { allowed: false, reason: `${JSON.stringify(ip)} is not an IP address literal` };
}
