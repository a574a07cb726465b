import { isSpecType, type JSONRPCErrorResponse } from '@modelcontextprotocol/server';

/**
 * The JSON-RPC ids of one session's requests still pending. An id names a request until its
 * response (JSON-RPC 2.0 §4, §5), and the SDK's transport routes a response by id alone, holding
 * a batch's answers until the whole batch is answered: an id reused while either side still holds
 * it gets, or loses, another request's answer. So an id stays busy while
 * - the transport holds the POST that carried it: until an answer for every request of that POST
 *   went to the transport (the server's own, or the stand-in a client that left gets), and
 * - the server may still answer it: until its own answer went out, or a cancellation the SDK
 *   accepted stopped it (MCP "Cancellation": a cancelled request is never answered).
 * A POST the transport refused (4xx) was never dispatched: its ids are free at once.
 */
export class InFlightIds {
  private readonly entries = new Map<string, Entry>();

  /** The key of a JSON-RPC id (JSON-encoded, so 1 and "1" differ). */
  static key(id: unknown): string {
    return JSON.stringify(id);
  }

  get size(): number {
    return this.entries.size;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** The first of `keys` that is busy already, or repeated among them. */
  clash(keys: readonly string[]): string | undefined {
    return keys.find((key, i) => this.entries.has(key) || keys.indexOf(key) !== i);
  }

  /** The requests of one POST go to the transport (after `clash` found none busy). */
  admit(ids: readonly (string | number)[]): Admission {
    const admission: Admission = { ids, keys: ids.map(InFlightIds.key), unanswered: ids.length };
    for (const key of admission.keys)
      this.entries.set(key, { admission, handed: false, serverDone: false, standIn: false });
    return admission;
  }

  /**
   * The server's own answer for `key` is about to go to the transport. False when its client left
   * and the stand-in went instead: this answer is dropped. Call `delivered` once it went.
   */
  answering(key: string): boolean {
    const e = this.entries.get(key);
    if (!e) return true;
    e.serverDone = true;
    if (e.standIn) {
      this.release(key, e);
      return false;
    }
    e.handed = true;
    return true;
  }

  /** An answer for `key` (the server's, or a stand-in) reached the transport. */
  delivered(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    const a = e.admission;
    a.unanswered--;
    if (a.unanswered > 0) return;
    for (const k of a.keys) {
      const other = this.entries.get(k);
      if (other?.admission === a) this.release(k, other);
    }
  }

  /**
   * The client of `admission` left before its answer: the ids that need a stand-in now (send each,
   * then call `delivered`). Each stays busy until the server answers it (that answer is dropped).
   */
  abandon(admission: Admission): (string | number)[] {
    const ids: (string | number)[] = [];
    admission.keys.forEach((key, i) => {
      const e = this.entries.get(key);
      if (e?.admission !== admission || e.handed || e.standIn) return;
      e.standIn = true;
      ids.push(admission.ids[i]!);
    });
    return ids;
  }

  /** The client of `admission` left: each request still unanswered gets a stand-in via `send`. */
  leave(admission: Admission, send: (answer: JSONRPCErrorResponse) => Promise<void>): void {
    for (const id of this.abandon(admission)) {
      const delivered = () => this.delivered(InFlightIds.key(id));
      send({
        jsonrpc: '2.0',
        id,
        error: { code: -32000, message: 'The client left before the answer.' },
      }).then(delivered, delivered);
    }
  }

  /**
   * A POST the transport took carried `messages`: the requests its accepted cancellations name
   * (MCP "Cancellation", validated as the SDK validates them) will never be answered.
   */
  cancelled(messages: readonly unknown[], admission: Admission): void {
    const dispatched = new Set<string>();
    for (const m of messages) {
      if (!m || typeof m !== 'object' || !('method' in m)) continue;
      if ('id' in m) dispatched.add(InFlightIds.key(m.id));
      if (m.method !== 'notifications/cancelled' || !isSpecType.CancelledNotification(m)) continue;
      const key = InFlightIds.key(m.params.requestId);
      const e = this.entries.get(key);
      // Not a request whose answer is already on its way, nor one of this POST's own that comes
      // after the cancellation (the SDK had nothing to stop yet).
      if (!e || e.handed || (e.admission === admission && !dispatched.has(key))) continue;
      e.serverDone = true;
      this.release(key, e);
    }
  }

  /** Once the transport answered the POST of `admission`, which carried `messages`. */
  settleWith(answer: Promise<Response>, admission: Admission, messages: readonly unknown[]): void {
    void answer.then(
      (res) => (res.status >= 400 ? this.refused(admission) : this.cancelled(messages, admission)),
      () => this.refused(admission),
    );
  }

  /** The transport refused `admission`'s POST: none of its requests reached the server. */
  refused(admission: Admission): void {
    for (const key of admission.keys)
      if (this.entries.get(key)?.admission === admission) this.entries.delete(key);
  }

  /** Frees `key` once neither the transport nor the server holds it any more. */
  private release(key: string, e: Entry): void {
    if (e.serverDone && e.admission.unanswered === 0) this.entries.delete(key);
  }
}

/** The requests one POST carried. */
export interface Admission {
  readonly ids: readonly (string | number)[];
  readonly keys: readonly string[];
  /** Requests of the POST whose answer has not reached the transport yet. */
  unanswered: number;
}

interface Entry {
  admission: Admission;
  /** The server's own answer went to the transport. */
  handed: boolean;
  /** The server will send nothing more for it (answered, or cancelled). */
  serverDone: boolean;
  /** Its client left, and a stand-in answered it instead. */
  standIn: boolean;
}
