import { isIP } from 'node:net';

/**
 * Parses a strict dotted-quad IPv4 literal into an unsigned 32-bit number, or null.
 *
 * `node:net` isIP decides what counts as IPv4 (four decimal parts, no leading zeros), so octal,
 * hex and shortened spellings are not guessed at here: WHATWG URL parsing has already turned
 * those into dotted quads by the time a hostname reaches us.
 */
export function parseIPv4(text: string): number | null {
  if (isIP(text) !== 4) return null;
  let value = 0;
  for (const part of text.split('.')) value = value * 256 + Number(part);
  return value;
}

const HEX_GROUP = /^[0-9a-f]{1,4}$/i;

/** Parses one side of a `::` into 16-bit groups; a trailing dotted quad counts as two groups. */
function parseGroups(side: string, mayEndWithQuad: boolean): number[] | null {
  if (side === '') return [];
  const parts = side.split(':');
  const groups: number[] = [];
  for (const [i, part] of parts.entries()) {
    const last = i === parts.length - 1;
    if (part.includes('.')) {
      if (!last || !mayEndWithQuad) return null;
      const v4 = parseIPv4(part);
      if (v4 === null) return null;
      groups.push(v4 >>> 16, v4 & 0xffff);
    } else if (HEX_GROUP.test(part)) {
      groups.push(Number.parseInt(part, 16));
    } else {
      return null;
    }
  }
  return groups;
}

/**
 * Parses an IPv6 literal (no brackets) into a 128-bit bigint, or null.
 *
 * Handles `::` compression and an embedded dotted quad in the last 32 bits, so that
 * `::ffff:127.0.0.1`, `::ffff:7f00:1` and `0:0:0:0:0:ffff:7f00:0001` all give the same number.
 * Zone ids (`fe80::1%eth0`) are refused: a scoped address is never a public destination.
 */
export function parseIPv6(text: string): bigint | null {
  if (text.includes('%') || isIP(text) !== 6) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  let groups: number[];
  if (halves.length === 2) {
    const head = parseGroups(halves[0]!, false);
    const tail = parseGroups(halves[1]!, true);
    if (!head || !tail || head.length + tail.length > 7) return null;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    const all = parseGroups(text, true);
    if (all?.length !== 8) return null;
    groups = all;
  }
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(g);
  return value;
}

/** Formats a 32-bit number as a dotted quad. */
export function formatIPv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff].join('.');
}

/** Strips the brackets WHATWG URL keeps around IPv6 hostnames (`[::1]` → `::1`). */
export function unbracket(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}
