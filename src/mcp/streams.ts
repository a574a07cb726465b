import type { LiveOwner } from './owner.ts';

interface Tracked extends LiveOwner {
  close(): void;
}

/**
 * Long-lived SSE responses of the sessionless (2026-07-28) path, tracked so that revoking a
 * token or pulling the kill switch ends them at once, as closing a session does for 2025-era
 * streams. Owned by LiveMcp.
 */
export class StreamRegistry {
  private readonly live = new Set<Tracked>();

  get size(): number {
    return this.live.size;
  }

  /**
   * Wraps an SSE response so it can be closed from outside; other responses pass through.
   * `onEnd` runs once when the stream ends, whichever way (at once for a response without one).
   */
  track(res: Response, owner: LiveOwner, onEnd: () => void = () => {}): Response {
    if (!res.body || !res.headers.get('content-type')?.includes('text/event-stream')) {
      onEnd();
      return res;
    }
    const upstream = res.body.getReader();
    let entry: Tracked | undefined;
    const ended = () => {
      this.live.delete(entry!);
      onEnd();
    };
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        entry = {
          familyId: owner.familyId,
          teamId: owner.teamId,
          close: () => {
            ended();
            try {
              controller.close();
            } catch {}
            upstream.cancel().catch(() => {});
          },
        };
        this.live.add(entry);
      },
      pull: async (controller) => {
        let chunk: Awaited<ReturnType<typeof upstream.read>>;
        try {
          chunk = await upstream.read();
        } catch (e) {
          ended();
          throw e;
        }
        if (chunk.done) {
          ended();
          controller.close();
        } else controller.enqueue(chunk.value);
      },
      cancel: (reason) => {
        ended();
        return upstream.cancel(reason);
      },
    });
    return new Response(body, { status: res.status, headers: res.headers });
  }

  /** Whose each open stream is. */
  owners(): LiveOwner[] {
    return [...this.live];
  }

  closeWhere(match: (owner: LiveOwner) => boolean): number {
    let n = 0;
    for (const t of [...this.live]) {
      if (match(t)) {
        t.close();
        n++;
      }
    }
    return n;
  }
}
