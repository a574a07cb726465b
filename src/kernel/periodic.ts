import type { Logger } from '../log/logger.ts';

/**
 * Runs `job` every `everyMs`, off the request path (the timer does not keep the process alive).
 * A job that throws (the database busy past its timeout, unreachable for a moment) is tried again
 * at the next interval: its first failure and its recovery are logged, never thrown, since an
 * exception out of a timer would take the whole server down.
 */
export function periodic(
  what: string,
  everyMs: number,
  job: () => void,
  log: Logger,
): ReturnType<typeof setInterval> {
  let failing = false;
  const timer = setInterval(() => {
    try {
      job();
      if (failing) log.info(`${what} works again`);
      failing = false;
    } catch (e) {
      if (!failing)
        log.error(`${what} failed; trying again every ${everyMs / 1000} s`, { error: messageOf(e) });
      failing = true;
    }
  }, everyMs);
  timer.unref?.();
  return timer;
}

/** Runs `job` once where a failure must not stop what follows (shutdown): logged, not thrown. */
export function attempt(what: string, job: () => void, log: Logger): void {
  try {
    job();
  } catch (e) {
    log.error(`${what} failed`, { error: messageOf(e) });
  }
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
