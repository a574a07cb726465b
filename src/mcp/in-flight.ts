import {
  isSpecType,
  type JSONRPCErrorResponse,
  type JSONRPCMessage,
  type TransportSendOptions,
} from '@modelcontextprotocol/server';

/** Sends an answer past the in-flight bookkeeping (a stand-in). */
export type SendStandIn = (answer: JSONRPCErrorResponse) => Promise<void>;
type Send = (message: JSONRPCMessage, options?: TransportSendOptions) => Promise<void>;

/**
 * The JSON-RPC ids of one session's requests still pending. An id names a request until its
 * response (JSON-RPC 2.0 §4, §5), and the SDK's transport routes a response by id alone, holding
 * a POST's answers until every request of it is answered: an id reused while either side still
 * holds it gets, or loses, another request's answer. So an id stays busy while
 * - the transport holds the POST that carried it: until every request of that POST has an answer
 *   at the transport (the server's own, or a stand-in), and
 * - the server may still answer it: until its own answer went out (dropped when a stand-in went
 *   first), or a cancellation the SDK acted on stopped it.
 * Stand-ins answer a request whose client left before its JSON answer, and a cancelled one (MCP
 * "Cancellation": the server sends nothing more, and the client ignores what comes): without
 * them the transport would hold that POST, and its ids, until the session ends.
 * A POST the transport refused (4xx) was never dispatched: its ids are free at once.
 */
export class InFlightIds {
  private readonly entries = new Map<string, Entry>();

  /** The key of a JSON-RPC id (JSON-encoded, so 1 and "1" differ). */
  static key(id: string | number): string {
    return JSON.stringify(id);
  }

  /** Whether `id` is one the transport accepts and so one tracked here (JSON-RPC 2.0 §4). */
  static trackable(id: unknown): id is string | number {
    return typeof id === 'string' || typeof id === 'number';
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
      this.entries.set(key, {
        admission,
        dispatched: false,
        handed: false,
        serverDone: false,
        standIn: false,
      });
    return admission;
  }

  /**
   * The transport dispatched `message` to the server (after the SDK saw it): a request is under
   * way; a cancellation the SDK accepts, of a request already dispatched (in this POST or an
   * earlier one) and not yet answered, stops it, and the request gets a stand-in through `send`.
   */
  dispatched(message: unknown, send: SendStandIn): void {
    if (!message || typeof message !== 'object' || !('method' in message)) return;
    if ('id' in message) {
      if (!InFlightIds.trackable(message.id)) return;
      const e = this.entries.get(InFlightIds.key(message.id));
      if (e) e.dispatched = true;
      return;
    }
    if (message.method !== 'notifications/cancelled' || !isSpecType.CancelledNotification(message)) return;
    const { requestId } = message.params;
    if (!InFlightIds.trackable(requestId)) return;
    // The SDK acts on a cancellation one microtask after dispatching it (its handler runs in a
    // `.then`), when every request of the same POST is registered: it aborts the request of that
    // id then, even one later in the batch. So it is read here at that same moment.
    queueMicrotask(() => this.cancelled(InFlightIds.key(requestId), requestId, send));
  }

  /** The SDK stopped the request `key` (not answered yet): it will never answer it. */
  private cancelled(key: string, requestId: string | number, send: SendStandIn): void {
    const e = this.entries.get(key);
    if (!e?.dispatched || e.handed) return;
    e.serverDone = true;
    // A client that left has had its stand-in already; the id is free once that one is delivered.
    if (e.standIn) this.release(key, e);
    else this.standIn(requestId, e, 'The client cancelled the request.', send);
  }

  /**
   * The transport's `send`, wrapped: the server's answer goes out only when no stand-in went first,
   * and its id learns when it reached the transport.
   */
  guard(send: Send): Send {
    return (message, options) => {
      if (
        !('id' in message && ('result' in message || 'error' in message)) ||
        !InFlightIds.trackable(message.id)
      )
        return send(message, options);
      const key = InFlightIds.key(message.id);
      if (!this.answering(key)) return Promise.resolve();
      const sent = send(message, options);
      const delivered = () => this.delivered(key);
      sent.then(delivered, delivered);
      return sent;
    };
  }

  /**
   * The server's own answer for `key` is about to go to the transport. False when a stand-in went
   * instead: this answer is dropped. Call `delivered` once it went.
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
   * The client of `admission` left before its JSON answer: each request not answered yet gets a
   * stand-in through `send`, and stays busy until the server answers it (that answer is dropped).
   */
  leave(admission: Admission, send: SendStandIn): void {
    admission.keys.forEach((key, i) => {
      const e = this.entries.get(key);
      if (e?.admission !== admission || e.handed || e.standIn) return;
      this.standIn(admission.ids[i]!, e, 'The client left before the answer.', send);
    });
  }

  /** Once the transport answered the POST of `admission`: a refusal (4xx) dispatched nothing. */
  settleWith(answer: Promise<Response>, admission: Admission): void {
    const refused = () => {
      for (const key of admission.keys)
        if (this.entries.get(key)?.admission === admission) this.entries.delete(key);
    };
    void answer.then((res) => {
      if (res.status >= 400) refused();
    }, refused);
  }

  private standIn(id: string | number, e: Entry, message: string, send: SendStandIn): void {
    e.standIn = true;
    const delivered = () => this.delivered(InFlightIds.key(id));
    send({ jsonrpc: '2.0', id, error: { code: -32000, message } }).then(delivered, delivered);
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
  /** The transport handed the request to the server. */
  dispatched: boolean;
  /** The server's own answer went to the transport. */
  handed: boolean;
  /** The server will send nothing more for it (answered, or cancelled). */
  serverDone: boolean;
  /** A stand-in answered it (its client left, or cancelled it). */
  standIn: boolean;
}
