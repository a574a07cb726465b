import { expect, test } from 'bun:test';
import { attempt, periodic } from '../../src/kernel/periodic.ts';
import type { Logger } from '../../src/log/logger.ts';

function recordingLogger(lines: string[], onLine?: () => void): Logger {
  const put = (level: string) => (msg: string) => {
    lines.push(`${level} ${msg}`);
    onLine?.();
  };
  return { debug: put('debug'), info: put('info'), warn: put('warn'), error: put('error') };
}

test('periodic — a job that throws goes on running: its first failure and its recovery are logged once each', async () => {
  const lines: string[] = [];
  let runs = 0;
  const { promise: recovered, resolve } = Promise.withResolvers<void>();
  const log = recordingLogger(lines, () => {
    if (lines.at(-1)?.startsWith('info')) resolve();
  });
  const timer = periodic(
    'the flush',
    1,
    () => {
      runs++;
      if (runs <= 3) throw new Error('database is locked');
    },
    log,
  );
  try {
    await recovered;
  } finally {
    clearInterval(timer);
  }
  expect(runs).toBe(4);
  expect(lines).toEqual(['error the flush failed; trying again every 0.001 s', 'info the flush works again']);
});

test('attempt — a failure is logged, not thrown', () => {
  const lines: string[] = [];
  expect(() =>
    attempt(
      'the flush at shutdown',
      () => {
        throw new Error('database is locked');
      },
      recordingLogger(lines),
    ),
  ).not.toThrow();
  expect(lines).toEqual(['error the flush at shutdown failed']);
});
