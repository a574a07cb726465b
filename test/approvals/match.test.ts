import { describe, expect, test } from 'bun:test';
import { type CallShape, callShape, type MatchableGrant, matchCall } from '../../src/approvals/match.ts';
import { sha256 } from '../../src/crypto/random.ts';

const NOW = 1_800_000_000_000;
const URL_ = 'https://api.linear.app/graphql';
const BODY = '{"query":"{ viewer { id } }"}';

/** An approved, unexpired, unused exact-call grant for POST URL_ with BODY. */
const grant = (over: Partial<MatchableGrant> = {}): MatchableGrant => ({
  kind: 'call',
  status: 'approved',
  expiresAt: NOW + 60_000,
  method: 'POST',
  url: URL_,
  bodyHash: sha256(BODY),
  ...over,
});
const call = (over: Partial<CallShape> = {}): CallShape => ({
  method: 'POST',
  url: URL_,
  bodyHash: sha256(BODY),
  ...over,
});

describe('matchCall', () => {
  test('matchCall — the exact approved call matches', () => {
    expect(matchCall(grant(), call(), NOW)).toEqual({ ok: true });
  });

  test('matchCall — a grant approved without a body matches a call without one', () => {
    expect(
      matchCall(grant({ method: 'GET', bodyHash: null }), call({ method: 'GET', bodyHash: null }), NOW),
    ).toEqual({ ok: true });
  });

  test('matchCall — a broad grant is no exact-call grant: not_call', () => {
    expect(matchCall(grant({ kind: 'broad' }), call(), NOW)).toEqual({ ok: false, reason: 'not_call' });
  });

  test('matchCall — a used grant: consumed', () => {
    expect(matchCall(grant({ status: 'consumed' }), call(), NOW)).toEqual({ ok: false, reason: 'consumed' });
  });

  test('matchCall — pending, denied, expired, revoked and superseded grants: not_approved', () => {
    for (const status of ['pending', 'denied', 'expired', 'revoked', 'superseded'] as const)
      expect(matchCall(grant({ status }), call(), NOW)).toEqual({ ok: false, reason: 'not_approved' });
  });

  test('matchCall — an approved grant whose time is over (exactly now, or never set): expired', () => {
    expect(matchCall(grant({ expiresAt: NOW }), call(), NOW)).toEqual({ ok: false, reason: 'expired' });
    expect(matchCall(grant({ expiresAt: NOW - 1 }), call(), NOW)).toEqual({ ok: false, reason: 'expired' });
    expect(matchCall(grant({ expiresAt: null }), call(), NOW)).toEqual({ ok: false, reason: 'expired' });
  });

  test('matchCall — another method: method_differs', () => {
    expect(matchCall(grant(), call({ method: 'PUT' }), NOW)).toEqual({ ok: false, reason: 'method_differs' });
  });

  test('matchCall — another URL (even one query parameter): url_differs', () => {
    expect(matchCall(grant(), call({ url: `${URL_}?x=1` }), NOW)).toEqual({
      ok: false,
      reason: 'url_differs',
    });
  });

  test('matchCall — approved with a body, called without: body_missing', () => {
    expect(matchCall(grant(), call({ bodyHash: null }), NOW)).toEqual({ ok: false, reason: 'body_missing' });
  });

  test('matchCall — approved without a body, called with one: body_unexpected', () => {
    expect(matchCall(grant({ bodyHash: null }), call(), NOW)).toEqual({
      ok: false,
      reason: 'body_unexpected',
    });
  });

  test('matchCall — another body: body_differs', () => {
    expect(matchCall(grant(), call({ bodyHash: sha256('{}') }), NOW)).toEqual({
      ok: false,
      reason: 'body_differs',
    });
  });

  test('matchCall — state is judged before shape: a used grant with another method says consumed', () => {
    expect(matchCall(grant({ status: 'consumed' }), call({ method: 'GET' }), NOW)).toEqual({
      ok: false,
      reason: 'consumed',
    });
  });
});

describe('callShape', () => {
  test('callShape — hashes the body, and no body is a null hash (not the hash of "")', () => {
    expect(callShape({ method: 'POST', url: URL_, body: BODY })).toEqual(call());
    expect(callShape({ method: 'GET', url: URL_, body: undefined }).bodyHash).toBeNull();
    expect(callShape({ method: 'POST', url: URL_, body: '' }).bodyHash).toBe(sha256(''));
  });
});

describe('matchCall — extra headers', () => {
  test('matchCall — a grant approved without headers allows none; with headers, exactly those (names any case)', () => {
    expect(matchCall(grant(), call({ headers: { 'x-trace': '1' } }), NOW)).toEqual({
      ok: false,
      reason: 'headers_differ',
    });
    const withHeaders = grant({ headers: { 'x-trace': '1' } });
    expect(matchCall(withHeaders, call(), NOW)).toEqual({ ok: false, reason: 'headers_differ' });
    expect(matchCall(withHeaders, call({ headers: { 'X-Trace': '1' } }), NOW)).toEqual({ ok: true });
    expect(matchCall(withHeaders, call({ headers: { 'x-trace': '2' } }), NOW)).toEqual({
      ok: false,
      reason: 'headers_differ',
    });
    expect(matchCall(withHeaders, call({ headers: { 'x-trace': '1', 'x-more': 'y' } }), NOW)).toEqual({
      ok: false,
      reason: 'headers_differ',
    });
  });
});
