/**
 * Idempotent POSTs at the fixture front. WorkOS takes an `Idempotency-Key` header on its create
 * endpoints: "Each subsequent request matching this unique string will return the same response"
 * (WorkOS's Elixir SDK, WorkOS.Organizations, `idempotency_key`), and @workos-inc/node sends one
 * with every POST it retries, so that a retry after a lost answer does not create twice. WorkOS's
 * emulator ignores the header. Here the first answer to a key is kept and given again to every
 * request that repeats the key on the same path; a request that repeats it while the first is
 * still under way waits for that answer. WorkOS does not say how long a key lasts: kept 24 hours,
 * as is usual, and at most MAX_KEYS at once (the oldest go first). A 429 or a 5xx is not kept:
 * nothing was done, and the retry should try again.
 */

const KEEP_MS = 24 * 60 * 60 * 1000;
const MAX_KEYS = 10_000;

interface Kept {
  at: number;
  answer: Promise<
    { status: number; statusText: string; headers: [string, string][]; body: ArrayBuffer } | undefined
  >;
}

export class IdempotentPosts {
  private readonly kept = new Map<string, Kept>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The answer to `key` on `path`: the first one's again, or `run`'s (kept unless retryable). */
  async answer(path: string, key: string, run: () => Promise<Response>): Promise<Response> {
    const id = `${path}\n${key}`;
    const now = this.now();
    const found = this.kept.get(id);
    if (found && now - found.at < KEEP_MS) {
      const first = await found.answer;
      if (first) return new Response(first.body.slice(0), first);
    }
    let settle: (v: Awaited<Kept['answer']>) => void = () => {};
    const entry: Kept = { at: now, answer: new Promise((r) => (settle = r)) };
    this.kept.delete(id);
    this.kept.set(id, entry);
    for (const old of this.kept.keys()) {
      if (this.kept.size <= MAX_KEYS) break;
      this.kept.delete(old);
    }
    try {
      const res = await run();
      const body = await res.arrayBuffer();
      const first = { status: res.status, statusText: res.statusText, headers: [...res.headers], body };
      const retryable = res.status === 429 || res.status >= 500;
      if (retryable) this.kept.delete(id);
      settle(retryable ? undefined : first);
      return new Response(body.slice(0), first);
    } catch (e) {
      this.kept.delete(id);
      settle(undefined);
      throw e;
    }
  }
}
