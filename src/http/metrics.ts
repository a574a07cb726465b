import { createHash, timingSafeEqual } from 'node:crypto';
import type { AppContext } from '../app/context.ts';
import { ApprovalCounter, PROMETHEUS_CONTENT_TYPE, renderPrometheus } from '../metrics/prometheus.ts';
import { peerAddress } from './client-ip.ts';
import { textResponse } from './responses.ts';
import type { RawHandler } from './server.ts';

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 addresses. */
export function isLoopback(address: string): boolean {
  const a = address.toLowerCase().replace(/^::ffff:/, '');
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

/** Compares digests, so neither the content nor the length of the token leaks through timing. */
/** Headers a reverse proxy adds (RFC 7239 Forwarded, the X-Forwarded-* family, Via). */
const PROXY_HEADERS = [
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-real-ip',
  'via',
];

function tokenMatches(presented: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

/**
 * Whether a request may see operator-only figures (/metrics, /readyz details). With METRICS_TOKEN
 * set, callers must send it as a bearer token (401 otherwise); without it, only loopback peers are
 * answered (403 for anyone else). The peer is the TCP peer, never a forwarded-for header; and a
 * loopback request that carries proxy headers came through a reverse proxy on this host, so it
 * may be anyone's: refused as well. Returns the refusal, or undefined when allowed.
 */
export function operatorRefusal(ctx: AppContext, request: Request, what: string): Response | undefined {
  const expected = ctx.config.metricsToken;
  if (expected) {
    const m = /^Bearer +(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '');
    if (!m || !tokenMatches(m[1]!, expected)) {
      return textResponse(
        `Unauthorized: send the METRICS_TOKEN as "Authorization: Bearer <token>" for ${what}.`,
        401,
        {
          'WWW-Authenticate': 'Bearer realm="gatehouse-metrics"',
        },
      );
    }
    return undefined;
  }
  if (!isLoopback(peerAddress(request))) {
    return textResponse(
      `Forbidden: ${what} answers loopback callers only. Set METRICS_TOKEN to allow remote scrapers.`,
      403,
    );
  }
  if (PROXY_HEADERS.some((h) => request.headers.has(h))) {
    return textResponse(
      `Forbidden: this request came through a proxy, so it may not be local. Set METRICS_TOKEN to reach ${what} through it.`,
      403,
    );
  }
  return undefined;
}

/** GET /metrics (Prometheus), for operators only ({@link operatorRefusal}). */
export function metricsHandler(ctx: AppContext, activeSessions: () => number): RawHandler {
  const approvals = new ApprovalCounter(ctx.db.$client);
  return (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return textResponse('Method not allowed: use GET.', 405, { Allow: 'GET, HEAD' });
    }
    const refused = operatorRefusal(ctx, request, '/metrics');
    if (refused) return refused;
    const body = renderPrometheus({
      recorder: ctx.metrics,
      approvals: approvals.read(),
      activeSessions: activeSessions(),
    });
    return textResponse(request.method === 'HEAD' ? '' : body, 200, {
      'Content-Type': PROMETHEUS_CONTENT_TYPE,
    });
  };
}
