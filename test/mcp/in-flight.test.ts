import { describe, expect, test } from 'bun:test';
import { cancelledIds, InFlightIds } from '../../src/mcp/in-flight.ts';

const k = InFlightIds.key;

describe('in-flight ids', () => {
  test('in-flight ids — 1 and "1" are different ids; a repeat within one batch clashes', () => {
    const ids = new InFlightIds();
    ids.admit([k(1)]);
    expect(ids.clash([k('1')])).toBeUndefined();
    expect(ids.clash([k(1)])).toBe(k(1));
    expect(ids.clash([k(2), k(2)])).toBe(k(2));
  });

  test('in-flight ids — an answer frees its id and goes out', () => {
    const ids = new InFlightIds();
    ids.admit([k(1)]);
    expect(ids.answered(k(1))).toBe(true);
    expect(ids.has(k(1))).toBe(false);
  });

  test('in-flight ids — a left call stays busy until its own answer, which is dropped', () => {
    const ids = new InFlightIds();
    ids.admit([k(1), k(2)]);
    ids.answered(k(2));
    // Only the still-pending one needs a stand-in, once.
    expect(ids.abandon([k(1), k(2)])).toEqual([k(1)]);
    expect(ids.abandon([k(1)])).toEqual([]);
    expect(ids.clash([k(1)])).toBe(k(1));
    expect(ids.answered(k(1))).toBe(false);
    expect(ids.size).toBe(0);
  });

  test('in-flight ids — a cancelled or refused request frees its ids', () => {
    const ids = new InFlightIds();
    ids.admit([k(1), k(2), k(3)]);
    ids.cancelled(k(1));
    ids.refused([k(2), k(3)]);
    expect(ids.size).toBe(0);
  });

  test('in-flight ids — cancellations name string and number ids only, from well-formed notifications', () => {
    expect(
      cancelledIds([
        { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7 } },
        { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'a' } },
        { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: { no: 1 } } },
        { jsonrpc: '2.0', method: 'notifications/cancelled' },
        { jsonrpc: '2.0', method: 'ping', id: 3 },
        null,
        'x',
      ]),
    ).toEqual([k(7), k('a')]);
  });
});
