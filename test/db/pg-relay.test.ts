/**
 * Domain events across replicas (src/db/pg/relay.ts): runs on the suite's PostgreSQL pass.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { PgClient } from '../../src/db/pg/bridge.ts';
import { relayEvents } from '../../src/db/pg/relay.ts';
import { type DomainEvents, EventBus } from '../../src/kernel/events.ts';
import { createLogger } from '../../src/log/logger.ts';
import { freshPostgres, onPostgres } from '../support/pg.ts';

const log = createLogger('error', () => {});

function next<K extends keyof DomainEvents>(bus: EventBus, event: K): Promise<DomainEvents[K]> {
  return new Promise((resolve) => {
    const off = bus.on(event, (p) => {
      off();
      resolve(p);
    });
  });
}

describe.skipIf(!onPostgres)('events relayed between replicas', () => {
  let drop = async () => {};
  let a: PgClient;
  let b: PgClient;
  const busA = new EventBus();
  const busB = new EventBus();
  const seenBeforeListeners: string[] = [];

  beforeAll(async () => {
    let url: string;
    ({ url, drop } = await freshPostgres());
    a = new PgClient(url);
    b = new PgClient(url);
    relayEvents(busA, a, log);
    relayEvents(busB, b, log, (event) => {
      seenBeforeListeners.push(event);
    });
    // Both LISTEN before the first event is published (a notification before LISTEN is lost).
    await Promise.all(
      [a, b].map(
        (c) =>
          new Promise<void>((resolve) => {
            const off = c.onNotify((p) => {
              if (p.includes('"listening"')) {
                off();
                resolve();
              }
            });
          }),
      ),
    );
  });
  afterAll(async () => {
    a.close();
    b.close();
    await drop();
  });

  test('relay — a role change on A reaches B, which drops what it cached before its listeners run', async () => {
    const onB = next(busB, 'member.role_changed');
    const onA: DomainEvents['member.role_changed'][] = [];
    const off = busA.on('member.role_changed', (p) => onA.push(p));
    busA.emit('member.role_changed', { teamId: 'team_1', userId: 'usr_1' });
    expect(await onB).toEqual({ teamId: 'team_1', userId: 'usr_1' });
    expect(seenBeforeListeners).toEqual(['member.role_changed']);
    // A heard its own event once, synchronously, and never again from the database.
    expect(onA).toHaveLength(1);
    // B's delivery is not relayed back: a kill on B is the next thing A hears.
    const killOnA = next(busA, 'team.killed');
    busB.emit('team.killed', { teamId: 'team_2' });
    expect(await killOnA).toEqual({ teamId: 'team_2' });
    expect(onA).toHaveLength(1);
    off();
  });

  test('relay — a revocation of 250 families arrives whole, in parts under NOTIFY’s payload limit', async () => {
    const familyIds = Array.from({ length: 250 }, (_, i) => `fam_${String(i).padStart(40, '0')}`);
    const got: string[] = [];
    const all = new Promise<void>((resolve) => {
      const off = busB.on('families.revoked', (p) => {
        got.push(...p.familyIds);
        expect(p.reason).toBe('kill switch');
        if (got.length >= familyIds.length) {
          off();
          resolve();
        }
      });
    });
    busA.emit('families.revoked', { familyIds, reason: 'kill switch' });
    await all;
    expect(got).toEqual(familyIds);
  });
});
