/**
 * The JSON-RPC ids of one session's requests still pending. An id names a request until its
 * response (JSON-RPC 2.0 §4, §5), and the SDK's transport routes a response by id alone: were an
 * id freed while the server still works on its request, a new request reusing it would be handed
 * the old one's answer. So an id stays busy until the server's own answer for it goes out, or
 * until the server will send none, whatever the client did meanwhile:
 * - a client that leaves before its JSON answer gets a stand-in, so the transport lets go of the
 *   request; the call runs on, and its late answer is dropped here, freeing the id then;
 * - a call the client cancelled (notifications/cancelled) is never answered by the SDK: its id is
 *   free once the cancellation was delivered;
 * - a request the transport refused (4xx: it was never dispatched) frees its ids at once.
 */
export class InFlightIds {
  /** Pending ids (JSON-encoded, so 1 and "1" differ), and whether their client left. */
  private readonly pending = new Map<string, 'waiting' | 'abandoned'>();

  /** The key of a JSON-RPC id. */
  static key(id: unknown): string {
    return JSON.stringify(id);
  }

  get size(): number {
    return this.pending.size;
  }

  has(key: string): boolean {
    return this.pending.has(key);
  }

  /** The first of `keys` that is pending already, or repeated among them. */
  clash(keys: readonly string[]): string | undefined {
    return keys.find((key, i) => this.pending.has(key) || keys.indexOf(key) !== i);
  }

  /** `keys` were sent to the server (after `clash` found none). */
  admit(keys: readonly string[]): void {
    for (const key of keys) this.pending.set(key, 'waiting');
  }

  /**
   * The server's own answer for `key` is going out. False when its client left: the stand-in was
   * its answer, and this one is dropped. Either way the id is free from now on.
   */
  answered(key: string): boolean {
    const state = this.pending.get(key);
    this.pending.delete(key);
    return state !== 'abandoned';
  }

  /**
   * The client of `keys` left before their answers: the ones still pending (and first abandoned
   * now) are returned, for a stand-in answer each; they stay busy until the server answers.
   */
  abandon(keys: readonly string[]): string[] {
    const now: string[] = [];
    for (const key of keys) {
      if (this.pending.get(key) !== 'waiting') continue;
      this.pending.set(key, 'abandoned');
      now.push(key);
    }
    return now;
  }

  /** The client cancelled `key`, and the server was told: it will never answer it. */
  cancelled(key: string): void {
    this.pending.delete(key);
  }

  /** The transport refused the request that carried `keys`: none reached the server. */
  refused(keys: readonly string[]): void {
    for (const key of keys) this.pending.delete(key);
  }

  /**
   * Once the transport's `answer` to the request that carried `keys` and `cancels` is known: a
   * refusal (4xx) frees `keys`; a request it took delivered `cancels`, never to be answered.
   */
  settleWith(answer: Promise<Response>, keys: readonly string[], cancels: readonly string[]): void {
    void answer.then(
      (res) => {
        if (res.status >= 400) this.refused(keys);
        else for (const key of cancels) this.cancelled(key);
      },
      () => this.refused(keys),
    );
  }
}

/** The request ids a batch's `notifications/cancelled` name (MCP "Cancellation"). */
export function cancelledIds(messages: readonly unknown[]): string[] {
  const keys: string[] = [];
  for (const m of messages) {
    if (!m || typeof m !== 'object') continue;
    const { method, params } = m as { method?: unknown; params?: unknown };
    if (method !== 'notifications/cancelled' || !params || typeof params !== 'object') continue;
    const requestId = (params as { requestId?: unknown }).requestId;
    if (typeof requestId === 'string' || typeof requestId === 'number') keys.push(InFlightIds.key(requestId));
  }
  return keys;
}
