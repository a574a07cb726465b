import { jsonRpcErrors } from './json-rpc.ts';

/**
 * Why a session ended: the category the client may read (`kind`), and the reason recorded on
 * the session's row, which may name the admin who revoked the connection or how a refresh token
 * was misused, and so never reaches the client.
 */
export interface SessionEnd {
  kind: 'revoked' | 'client' | 'idle' | 'shutdown';
  recorded: string;
}

/** The end of a session idle past its team's TTL. */
export const IDLE: SessionEnd = { kind: 'idle', recorded: 'idle timeout' };

/**
 * The calls of one 2025-era session waiting for their JSON body (src/mcp/answers.ts): when the
 * session ends first (revocation, kill switch, DELETE, idle, shutdown), each is answered at once
 * with a JSON-RPC error naming why, and its late result is never sent.
 *
 * Each call leaves the set once answered, so nothing outlives it: a promise chained on the
 * session's end instead would keep every answer of a long session in memory.
 */
export class WaitingCalls {
  private readonly ends = new Set<(end: SessionEnd) => void>();

  get size(): number {
    return this.ends.size;
  }

  /**
   * `answer`, or the session's end if it comes first: a 404 for each of `ids` (null: none).
   * `gone`: when the client leaves before the answer (its request's signal aborts), `release`
   * runs, so what waits for the answer on the transport's side lets go of it too.
   */
  race(
    answer: Promise<Response>,
    ids: readonly (string | number)[],
    gone?: { signal: AbortSignal; release: () => void },
  ): Promise<Response> {
    const cutOff = Promise.withResolvers<Response>();
    const end = (why: SessionEnd) =>
      cutOff.resolve(
        jsonRpcErrors(
          404,
          ids.length > 0 ? ids : [null],
          -32001,
          `This MCP session ended (${publicReason(why.kind)}) before the call was answered. Initialize a new session.`,
        ),
      );
    this.ends.add(end);
    const first = Promise.race([answer, cutOff.promise]);
    const left = () => gone?.release();
    if (gone?.signal.aborted) left();
    else gone?.signal.addEventListener('abort', left, { once: true });
    const leave = () => {
      this.ends.delete(end);
      gone?.signal.removeEventListener('abort', left);
    };
    first.then(leave, leave);
    return first;
  }

  /** The session ended: every waiting call is answered now. */
  endAll(why: SessionEnd): void {
    for (const end of this.ends) end(why);
    this.ends.clear();
  }
}

/** Why a session ended, as the client may read it. */
export function publicReason(kind: SessionEnd['kind']): string {
  switch (kind) {
    case 'revoked':
      return 'its authorization was revoked';
    case 'client':
      return 'the client closed it';
    case 'idle':
      return 'it was idle too long';
    case 'shutdown':
      return 'the server is shutting down';
  }
}
