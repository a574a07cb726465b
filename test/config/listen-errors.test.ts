import { describe, expect, test } from 'bun:test';
import { describeListenError } from '../../src/config/listen.ts';

const errno = (fields: Partial<NodeJS.ErrnoException>) => Object.assign(new Error('x'), fields);

describe('start-up errors blamed on the listener', () => {
  test('describeListenError — EACCES from listening names PORT', () => {
    expect(describeListenError(errno({ code: 'EACCES', syscall: 'listen' }), 'localhost', 80)).toContain(
      'PORT 80 needs privileges',
    );
    expect(describeListenError(errno({ code: 'EACCES' }), 'localhost', 80)).toContain('PORT 80');
  });

  test('describeListenError — EACCES opening a data dir file is not the port’s (left to the data dir’s message)', () => {
    const e = errno({ code: 'EACCES', syscall: 'open', path: '/var/lib/gatehouse/gatehouse.lock-head' });
    expect(describeListenError(e, 'localhost', 8788)).toBeUndefined();
  });
});
