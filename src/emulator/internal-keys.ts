/**
 * The keys the fixture front uses on WorkOS's emulator. The emulator limits every key to 1,000
 * requests a minute (`workos/emulate`, core/server.js: a fixed window from the key's first
 * request, the 1,000th refused), far below what one client key may do on live WorkOS
 * (https://workos.com/docs/reference/rate-limits: 6,000 a minute). Clients' limits are the
 * front's to apply (rate-limits.ts); the emulator's must never show through, so each internal
 * key is used for fewer requests than the emulator allows in a window, and when every key in
 * hand is spent a new one is registered with the emulator. An emulator 429 that still happens
 * (a window that started later than counted here) retires that key until its window ends.
 */
import { randomBytes } from 'node:crypto';
import { FixtureError } from './fixtures/http.ts';
import { RATE_LIMITED_BODY } from './rate-limits.ts';

/** Requests per key and window: the emulator refuses the 1,000th; leave room for clock skew. */
export const INTERNAL_KEY_BUDGET = 900;
/** The emulator's window (60 s, counted from the key's first request) plus a second of slack. */
export const INTERNAL_KEY_WINDOW_MS = 61_000;
/** Keys at most (3.6 million requests a minute): past it the front answers 429 itself. */
export const MAX_INTERNAL_KEYS = 4_096;

interface Slot {
  key: string;
  used: number;
  /** When this key's window has surely ended on the emulator (0: never used). */
  resetAt: number;
}

export interface InternalKeyOptions {
  budget?: number;
  windowMs?: number;
  maxKeys?: number;
  now?: () => number;
  /** A new key (tests use a predictable one). */
  mint?: () => string;
}

export class InternalKeyPool {
  private readonly slots: Slot[] = [];
  /** Index of the slot to try first: the pool is walked round-robin. */
  private cursor = 0;
  private readonly budget: number;
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;
  private readonly mint: () => string;

  /**
   * @param register makes a new key valid on the emulator (it reads its key table on every request)
   * @param initial keys the emulator already accepts
   */
  constructor(
    private readonly register: (key: string) => void,
    initial: readonly string[],
    options: InternalKeyOptions = {},
  ) {
    this.budget = options.budget ?? INTERNAL_KEY_BUDGET;
    this.windowMs = options.windowMs ?? INTERNAL_KEY_WINDOW_MS;
    this.maxKeys = options.maxKeys ?? MAX_INTERNAL_KEYS;
    this.now = options.now ?? Date.now;
    this.mint = options.mint ?? (() => `sk_test_internal_${randomBytes(24).toString('hex')}`);
    for (const key of initial) this.slots.push({ key, used: 0, resetAt: 0 });
  }

  get size(): number {
    return this.slots.length;
  }

  /** A key with room in its window; a new one when none has. */
  take(): string {
    const now = this.now();
    for (let i = 0; i < this.slots.length; i++) {
      const slot = this.slots[(this.cursor + i) % this.slots.length] as Slot;
      if (slot.resetAt <= now) {
        slot.used = 0;
        slot.resetAt = now + this.windowMs;
      }
      if (slot.used < this.budget) {
        slot.used += 1;
        this.cursor = (this.cursor + i) % this.slots.length;
        return slot.key;
      }
    }
    if (this.slots.length >= this.maxKeys) {
      const soonest = Math.min(...this.slots.map((s) => s.resetAt));
      throw rateLimited(Math.max(1, Math.ceil((soonest - now) / 1000)));
    }
    const key = this.mint();
    this.register(key);
    this.slots.push({ key, used: 1, resetAt: now + this.windowMs });
    this.cursor = this.slots.length - 1;
    return key;
  }

  /** The emulator refused `key` (429): leave it alone until its window ends. */
  retire(key: string, retryAfterSeconds: number | undefined): void {
    const slot = this.slots.find((s) => s.key === key);
    if (!slot) return;
    slot.used = this.budget;
    slot.resetAt = this.now() + Math.max(1, retryAfterSeconds ?? this.windowMs / 1000) * 1000;
  }
}

/** WorkOS's 429, thrown by fixture code: the front answers it with its `Retry-After`. */
export function rateLimited(retryAfterSeconds: number): FixtureError {
  return new FixtureError(429, { ...RATE_LIMITED_BODY }, { 'Retry-After': String(retryAfterSeconds) });
}
