import { isLoopbackHost } from '../../config/index.ts';

/** Schemes that run content or open something other than an app, named in the refusal. */
const DANGEROUS_SCHEMES = new Set([
  'javascript',
  'data',
  'vbscript',
  'file',
  'about',
  'blob',
  'filesystem',
  'ftp',
  'ws',
  'wss',
  'mailto',
  'tel',
  'sms',
  'chrome',
  'chrome-extension',
  'view-source',
  'jar',
  'intent',
  'search',
  'search-ms',
  'shell',
  'hcp',
  'its',
  'mk',
  'res',
  'smb',
  'ldap',
]);

/**
 * Operating-system protocol handlers (Windows `ms-*`/`*-ms`, Office `ms-word:`…, Apple `x-apple-*`,
 * `itms-*`): each launches a local program with attacker-chosen arguments, never a client.
 */
const OS_HANDLER_SCHEME = /^(ms-|x-|itms|microsoft-|windows-|web\+)|-ms$/;

/**
 * Private-use schemes of well-known MCP agents that are not in reverse-domain form. Each is a
 * deliberate exception to RFC 8252 §7.1: Cursor registers `cursor://anysphere.…/callback`.
 */
export const WELL_KNOWN_AGENT_SCHEMES: ReadonlySet<string> = new Set(['cursor']);

/**
 * RFC 8252 §7.1: a private-use scheme is a domain the app's owner controls, in reverse order
 * (`com.example.app`): a letters-only top-level label, then at least one more DNS label.
 */
const REVERSE_DOMAIN_SCHEME = /^[a-z]{2,63}(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;

export const MAX_REDIRECT_URI_LENGTH = 2048;

/** What an authorization response adds to the redirect URI (RFC 6749 §4.1.2, §4.1.2.1; RFC 9207). */
const RESPONSE_PARAMETERS = new Set(['code', 'state', 'iss', 'error', 'error_description', 'error_uri']);

const ALLOWED =
  'must use https, http on a loopback host (127.0.0.1, [::1], localhost), or a private-use scheme in reverse-domain form such as com.example.app:/callback (RFC 8252 §7)';

/**
 * Why a redirect URI cannot be registered, or undefined when it can (RFC 7591 §2, RFC 8252 §7,
 * OAuth 2.1 §2.3.1). Only three kinds are accepted: https with a host; http on a loopback host
 * (RFC 8252 §7.3); a native app's private-use scheme in reverse-domain form (RFC 8252 §7.1) or
 * one of WELL_KNOWN_AGENT_SCHEMES. Never a fragment, credentials, or a scheme that executes
 * content or opens an operating-system handler.
 */
export function redirectUriProblem(uri: string): string | undefined {
  if (uri.length === 0) return 'must not be empty';
  if (uri.length > MAX_REDIRECT_URI_LENGTH) return `must be at most ${MAX_REDIRECT_URI_LENGTH} characters`;
  if (uri.includes('#')) return 'must not contain a fragment (RFC 6749 §3.1.2)';
  if (
    /[\s<>"\\^`{|}]/.test(uri) ||
    [...uri].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f || c.charCodeAt(0) > 0x7e)
  ) {
    return 'contains characters that are not allowed in a URI';
  }
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return 'must be an absolute URI';
  }
  const scheme = u.protocol.slice(0, -1);
  if (DANGEROUS_SCHEMES.has(scheme) || OS_HANDLER_SCHEME.test(scheme))
    return `must not use the ${scheme}: scheme (it runs content or opens an operating-system handler)`;
  if (u.username || u.password || /^[^:]*:\/\/[^/?]*@/.test(uri)) return 'must not contain credentials';
  const named = [...u.searchParams.keys()].find((k) => RESPONSE_PARAMETERS.has(k));
  if (named)
    return `must not carry ${named} in its query: the authorization response adds it (RFC 6749 §3.1.2, §4.1.2)`;
  if (scheme === 'https' || scheme === 'http') {
    // As written, not as a URL parser repairs it: `https:///cb` and `https:evil.com/cb` parse to
    // hosts `cb` and `evil.com` (RFC 9110 §4.2.2: an https URI has a non-empty authority).
    if (!/^https?:\/\/[^/?#]+(?:[/?]|$)/i.test(uri) || !u.hostname)
      return `must have the form ${scheme}://<host>/<path>`;
    if (u.port === '0') return 'must not use port 0';
    // A host as DNS names and addresses are written: no character reference, escape or other
    // character a page or a parser could read as something else (`good.example&commat;evil`).
    if (
      !/^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$|^\[[0-9a-f:.]+\]$/i.test(
        u.hostname,
      )
    )
      return 'must name its host as a DNS name or an IP address';
  }
  if (scheme === 'https') return undefined;
  if (scheme === 'http') {
    return isLoopbackHost(u.hostname)
      ? undefined
      : 'must use https, or http only on a loopback host (127.0.0.1, [::1], localhost)';
  }
  if (WELL_KNOWN_AGENT_SCHEMES.has(scheme)) {
    // The well-known agents use the authority form (`cursor://<host>/…`); anything else under
    // their scheme (`cursor:javascript:…`) is not theirs.
    return /^[a-z]+:\/\/[a-z0-9.-]+(\/|$)/i.test(uri)
      ? undefined
      : `${scheme}: redirect URIs must have the form ${scheme}://<host>/<path>`;
  }
  if (REVERSE_DOMAIN_SCHEME.test(scheme)) return undefined;
  return `${ALLOWED}; ${scheme}: is none of these`;
}
