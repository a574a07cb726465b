/**
 * Idempotent POSTs at the fixture front. WorkOS takes an `Idempotency-Key` header on its create
 * endpoints: "Each subsequent request matching this unique string will return the same response"
 * (WorkOS's Elixir SDK, WorkOS.Organizations, `idempotency_key`), and @workos-inc/node sends one
 * with every POST it retries, so that a retry after a lost answer does not create twice. WorkOS's
 * emulator ignores the header. Here the first successful answer to a key is kept and given again
 * to every request that repeats the key on the same path with the same body; a repeat racing the
 * first waits for its answer. Only a 2xx is kept: a refusal changed nothing, and a retry with
 * the same key (a corrected body) is run. The same key with another body is refused (422):
 * answering it with another request's object would be wrong either way. WorkOS does not say
 * how long a key lasts: kept 24 hours, as is usual, and at most MAX_KEYS at once (the oldest go
 * first); a key longer than MAX_KEY_LENGTH is refused.
 */
import { sha256 } from '../crypto/random.ts';
import { FixtureError } from './fixtures/http.ts';

const KEEP_MS = 24 * 60 * 60 * 1000;
const MAX_KEYS = 10_000;
const MAX_KEY_LENGTH = 256;

interface First {
  status: number;
  statusText: string;
  headers: [string, string][];
  body: ArrayBuffer;
}

interface Kept {
  at: number;
  /** The SHA-256 of the request body the key was first sent with. */
  request: string;
  /** The first answer, once it came; undefined when it is not kept (not a 2xx, or it threw). */
  answer: Promise<First | undefined>;
}

const replay = (first: First): Response =>
  new Response(first.body.slice(0), {
    status: first.status,
    statusText: first.statusText,
    // Each answer has its own request id, a replay too (the front adds one).
    headers: first.headers.filter(([name]) => name.toLowerCase() !== 'x-request-id'),
  });

export class IdempotentPosts {
  private readonly kept = new Map<string, Kept>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The answer to `key` on `path` for `body`: the first one's again, or `run`'s. */
  async answer(path: string, key: string, body: string, run: () => Promise<Response>): Promise<Response> {
    if (key.length > MAX_KEY_LENGTH)
      throw new FixtureError(400, {
        message: `The Idempotency-Key header is longer than ${MAX_KEY_LENGTH} characters.`,
        code: 'invalid_request',
      });
    const id = `${path}\n${key}`;
    const request = sha256(body);
    for (;;) {
      const found = this.kept.get(id);
      if (!found || this.now() - found.at >= KEEP_MS) break;
      if (found.request !== request)
        throw new FixtureError(422, {
          message:
            'This Idempotency-Key was used with another request body. Use a new key for a new request.',
          code: 'idempotency_key_reused',
        });
      const first = await found.answer;
      if (first) return replay(first);
      // Not kept (a refusal or a failure): look again, another repeat may have begun meanwhile.
      if (this.kept.get(id) === found) this.kept.delete(id);
    }
    let settle: (first: First | undefined) => void = () => {};
    const entry: Kept = { at: this.now(), request, answer: new Promise((r) => (settle = r)) };
    this.kept.delete(id);
    this.kept.set(id, entry);
    for (const old of this.kept.keys()) {
      if (this.kept.size <= MAX_KEYS) break;
      this.kept.delete(old);
    }
    try {
      const res = await run();
      const first = {
        status: res.status,
        statusText: res.statusText,
        headers: [...res.headers],
        body: await res.arrayBuffer(),
      };
      const keep = res.status >= 200 && res.status < 300;
      if (!keep && this.kept.get(id) === entry) this.kept.delete(id);
      settle(keep ? first : undefined);
      return new Response(first.body.slice(0), first);
    } catch (e) {
      if (this.kept.get(id) === entry) this.kept.delete(id);
      settle(undefined);
      throw e;
    }
  }
}
