import { AppError } from '../errors/app-error.ts';
import { classifyAddress } from './ip.ts';
import { parseIPv4, parseIPv6, unbracket } from './ip-parse.ts';

/** Longest URL Gatehouse will call; longer ones are refused before parsing. */
export const MAX_URL_LENGTH = 4096;

export interface OutboundUrlOptions {
  /** When given, the hostname (lowercase, IPv6 in brackets) must pass it, e.g. the provider's API host. */
  allowedHosts?: (host: string) => boolean;
  /** Ports other than 443 the caller accepts; by default only 443 (or no port) is. */
  allowedPorts?: readonly number[];
}

const HINT = 'Gatehouse only calls public https:// URLs on port 443.';

/** Whether `hostname` (as WHATWG URL gives it) is an IP literal, and the bare address if so. */
export function ipLiteral(hostname: string): string | undefined {
  const bare = unbracket(hostname);
  return parseIPv4(bare) !== null || parseIPv6(bare) !== null ? bare : undefined;
}

function refuse(raw: string, why: string): AppError {
  return new AppError('forbidden', `Refused outbound URL ${raw.slice(0, 200)}: ${why}.`, { hint: HINT });
}

function malformed(why: string): AppError {
  return new AppError('invalid_input', `Outbound URL is malformed: ${why}.`, { hint: HINT });
}

/** Checks of the raw text: what WHATWG URL parsing would silently repair or reinterpret. */
function checkRawText(raw: string): void {
  if (raw.length > MAX_URL_LENGTH) {
    throw malformed(`it is ${raw.length} characters long, above the ${MAX_URL_LENGTH} limit`);
  }
  for (const ch of raw) {
    const code = ch.codePointAt(0)!;
    // WHATWG URL drops tabs/newlines anywhere and trims spaces, and reads `\` as `/`: refuse
    // them so the URL that was checked is the URL that was written.
    if (code <= 0x20 || code === 0x7f || ch === '\\') {
      throw malformed('it contains whitespace, a control character or a backslash');
    }
  }
}

/** The part between `https://` and the first `/`, `?` or `#` of the raw text. */
function rawAuthority(raw: string): string {
  const rest = raw.slice('https://'.length);
  const end = rest.search(/[/?#]/);
  return end === -1 ? rest : rest.slice(0, end);
}

function checkHostname(raw: string, hostname: string): void {
  const literal = ipLiteral(hostname);
  if (literal !== undefined) {
    const verdict = classifyAddress(literal);
    if (!verdict.allowed) throw refuse(raw, `the host ${verdict.reason}`);
    return;
  }
  const name = hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
  if (name === 'localhost' || name.endsWith('.localhost')) {
    throw refuse(raw, `${hostname} is a loopback name`);
  }
  // A single-label name is completed from the resolver's search domains: an intranet host.
  if (!name.includes('.')) throw refuse(raw, `${hostname} is a single-label (intranet) host name`);
}

/**
 * Parses and checks a URL Gatehouse is about to call on behalf of a client or agent: absolute
 * `https://`, no credentials, no fragment, port 443 unless allowed, host allowed by
 * `allowedHosts` when given, and not a refused IP literal (WHATWG URL has already normalised
 * `0x7f000001`, `2130706433` and `0177.0.0.1` to `127.0.0.1`, so those are caught here).
 * Host names are checked again after DNS resolution (see resolve.ts).
 *
 * @throws AppError `invalid_input` for text that is not a usable URL, `forbidden` for a refused one.
 */
export function parseOutboundUrl(raw: string, opts: OutboundUrlOptions = {}): URL {
  checkRawText(raw);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw malformed('it is not an absolute URL');
  }
  if (url.protocol !== 'https:') throw refuse(raw, `only https: is allowed, not ${url.protocol}`);
  if (raw.slice(0, 'https://'.length).toLowerCase() !== 'https://') {
    throw malformed('it must start with https://');
  }
  if (url.username || url.password || rawAuthority(raw).includes('@')) {
    throw refuse(raw, 'it contains credentials (user:password@)');
  }
  // `url.hash` is empty for a bare trailing `#`, but the href keeps it.
  if (url.href.includes('#')) throw refuse(raw, 'it contains a fragment (#)');
  checkHostname(raw, url.hostname);
  if (url.port !== '' && !(opts.allowedPorts ?? []).includes(Number(url.port))) {
    throw refuse(raw, `port ${url.port} is not allowed (only 443)`);
  }
  if (opts.allowedHosts && !opts.allowedHosts(url.hostname)) {
    throw refuse(raw, `${url.hostname} is not an allowed host for this call`);
  }
  return url;
}
