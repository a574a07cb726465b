import { isLoopbackHost } from '../../config/index.ts';

/** Schemes that must never receive an authorization code. */
const DANGEROUS_SCHEMES = new Set([
  'javascript:',
  'data:',
  'vbscript:',
  'file:',
  'about:',
  'blob:',
  'filesystem:',
  'ftp:',
  'ws:',
  'wss:',
  'mailto:',
  'tel:',
  'chrome:',
  'chrome-extension:',
  'view-source:',
]);

export const MAX_REDIRECT_URI_LENGTH = 2048;

/**
 * Why a redirect URI cannot be registered, or undefined when it can (RFC 7591 §2, RFC 8252 §7,
 * OAuth 2.1 §2.3.1): https, or http on a loopback host, or a native app's private-use scheme;
 * never a fragment, credentials or a scheme that executes content.
 */
export function redirectUriProblem(uri: string): string | undefined {
  if (uri.length === 0) return 'must not be empty';
  if (uri.length > MAX_REDIRECT_URI_LENGTH) return `must be at most ${MAX_REDIRECT_URI_LENGTH} characters`;
  if (uri.includes('#')) return 'must not contain a fragment (RFC 6749 §3.1.2)';
  if (
    /[\s<>"\\^`{|}]/.test(uri) ||
    [...uri].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)
  ) {
    return 'contains characters that are not allowed in a URI';
  }
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return 'must be an absolute URI';
  }
  if (DANGEROUS_SCHEMES.has(u.protocol)) return `must not use the ${u.protocol} scheme`;
  if (u.username || u.password) return 'must not contain credentials';
  if (u.protocol === 'https:') return u.hostname ? undefined : 'must name a host';
  if (u.protocol === 'http:') {
    return isLoopbackHost(u.hostname)
      ? undefined
      : 'must use https, or http only on a loopback host (localhost, 127.0.0.1, [::1])';
  }
  // RFC 8252 §7.1: private-use URI schemes for native apps (e.g. cursor://…, com.example.app:/cb).
  return /^[a-z][a-z0-9+.-]*:$/.test(u.protocol) ? undefined : 'has an invalid scheme';
}
