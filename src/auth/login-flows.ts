import { and, eq, isNull } from 'drizzle-orm';
import { LOGIN_FLOW_TTL_MS } from '../config/constants.ts';
import { randomToken, sha256, sha256Base64Url } from '../crypto/random.ts';
import type { Sealer } from '../crypto/seal.ts';
import type { Db } from '../db/client.ts';
import { schema } from '../db/client.ts';
import type { Clock } from '../kernel/clock.ts';

export interface StartedLoginFlow {
  state: string;
  codeChallenge: string;
}

export type ConsumeResult =
  | { ok: true; codeVerifier: string; returnTo: string }
  | { ok: false; reason: 'unknown_state' | 'expired' | 'replayed' };

/**
 * Sign-in attempts against AuthKit: `state` (CSRF for the redirect, RFC 6749 §10.12) and the
 * PKCE verifier (RFC 7636) are stored server-side, keyed by the state's hash, and consumed once.
 */
export class LoginFlows {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly sealer: Sealer,
  ) {}

  start(returnTo: string): StartedLoginFlow {
    const state = randomToken();
    const codeVerifier = randomToken(48);
    const now = this.clock.now();
    this.db
      .insert(schema.loginFlows)
      .values({
        stateHash: sha256(state),
        codeVerifierSealed: this.sealer.seal(codeVerifier),
        returnTo,
        createdAt: now,
        expiresAt: now + LOGIN_FLOW_TTL_MS,
      })
      .run();
    return { state, codeChallenge: sha256Base64Url(codeVerifier) };
  }

  /** Atomically marks the flow consumed; a second callback with the same state is a replay. */
  consume(state: string): ConsumeResult {
    const now = this.clock.now();
    const stateHash = sha256(state);
    return this.db.transaction((tx) => {
      const row = tx.select().from(schema.loginFlows).where(eq(schema.loginFlows.stateHash, stateHash)).get();
      if (!row) return { ok: false, reason: 'unknown_state' } as const;
      if (row.consumedAt !== null) return { ok: false, reason: 'replayed' } as const;
      if (row.expiresAt <= now) return { ok: false, reason: 'expired' } as const;
      const updated = tx
        .update(schema.loginFlows)
        .set({ consumedAt: now })
        .where(and(eq(schema.loginFlows.stateHash, stateHash), isNull(schema.loginFlows.consumedAt)))
        .returning({ stateHash: schema.loginFlows.stateHash })
        .all();
      if (updated.length !== 1) return { ok: false, reason: 'replayed' } as const;
      const codeVerifier = this.sealer.open(row.codeVerifierSealed);
      if (!codeVerifier) return { ok: false, reason: 'unknown_state' } as const;
      return { ok: true, codeVerifier, returnTo: row.returnTo } as const;
    });
  }
}
