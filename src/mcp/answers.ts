/**
 * How an answer to a POST on /mcp goes out (docs/architecture.md, "One JSON body, or a stream").
 *
 * MCP's Streamable HTTP lets a server answer a request either with one `application/json` body
 * or with an SSE stream (MCP 2025-06-18, basic/transports §"Sending Messages to the Server":
 * the server MUST return one or the other, the client MUST support both). A call that sends
 * nothing before its result gains nothing from a stream and pays for one on both sides, so
 * Gatehouse answers such calls in one JSON body. Bun closes a connection on which nothing moved
 * for IDLE_TIMEOUT_S, though, and a JSON body can only start once it is complete: a call not
 * answered within `afterMs` turns into an SSE stream (keep-alive comments, then its result as
 * one `message` event), as a streamed answer would have been from the start.
 */

const encoder = new TextEncoder();
const OPENED = encoder.encode(': stream opened\n\n');
const KEEPALIVE = encoder.encode(': keepalive\n\n');

const SSE_HEADERS = {
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-cache, no-transform',
  Connection: 'keep-alive',
  'X-Accel-Buffering': 'no',
};

/** Runs `fn` after `ms`; answers a function that cancels it (injected in tests). */
export type Schedule = (fn: () => void, ms: number) => () => void;

const realSchedule: Schedule = (fn, ms) => {
  const t = setTimeout(fn, ms);
  return () => clearTimeout(t);
};

const realInterval: Schedule = (fn, ms) => {
  const t = setInterval(fn, ms);
  t.unref?.();
  return () => clearInterval(t);
};

export interface LateAnswerOptions {
  /** How long the answer may take before it is streamed instead. */
  afterMs: number;
  /** Keep-alive comments of a streamed late answer, this often. */
  keepAliveMs: number;
  /** Headers a streamed late answer carries besides the SSE ones (e.g. `Mcp-Session-Id`). */
  headers?: Record<string, string>;
  schedule?: Schedule;
  interval?: Schedule;
}

/**
 * `pending` as it is when it settles within `afterMs`; otherwise, at `afterMs`, an SSE response
 * that keeps the connection alive until `pending` settles and then carries its answer: a JSON
 * answer as one `message` event (a JSON-RPC error too: the session ended meanwhile), a
 * streamed one piped through. An answer that fails, or has no JSON body, ends the stream
 * without a message. When the client goes away first, the late answer is dropped.
 */
export function streamIfLate(pending: Promise<Response>, options: LateAnswerOptions): Promise<Response> {
  const schedule = options.schedule ?? realSchedule;
  return new Promise<Response>((resolve, reject) => {
    let late = false;
    const cancel = schedule(() => {
      late = true;
      resolve(lateStream(pending, options));
    }, options.afterMs);
    pending.then(
      (res) => {
        if (late) return;
        cancel();
        resolve(res);
      },
      (e) => {
        if (late) return;
        cancel();
        reject(e);
      },
    );
  });
}

function lateStream(pending: Promise<Response>, options: LateAnswerOptions): Response {
  const interval = options.interval ?? realInterval;
  let gone = false;
  let stopKeepAlive = () => {};
  let upstream: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const write = (chunk: Uint8Array) => {
        try {
          controller.enqueue(chunk);
        } catch {}
      };
      const end = () => {
        stopKeepAlive();
        try {
          controller.close();
        } catch {}
      };
      // Bun sends the headers with the first bytes of the body: the client learns at once.
      write(OPENED);
      stopKeepAlive = interval(() => write(KEEPALIVE), options.keepAliveMs);
      pending.then(
        async (res) => {
          stopKeepAlive();
          if (gone) {
            await res.body?.cancel().catch(() => {});
            return;
          }
          const type = res.headers.get('content-type') ?? '';
          if (type.includes('text/event-stream') && res.body) {
            upstream = res.body.getReader();
            try {
              for (;;) {
                const chunk = await upstream.read();
                if (chunk.done) break;
                write(chunk.value);
              }
            } catch {}
            return end();
          }
          // A JSON answer, the result or an error (the session ended: a JSON-RPC error naming why,
          // with the call's id), goes out as one event: the status line has already been sent.
          // Each line of the text is its own `data:` line (SSE joins them back).
          const text = type.includes('json') ? await res.text().catch(() => '') : '';
          if (!text) await res.body?.cancel().catch(() => {});
          else write(encoder.encode(`event: message\n${dataLines(text)}\n\n`));
          end();
        },
        () => end(),
      );
    },
    cancel(reason) {
      gone = true;
      stopKeepAlive();
      return upstream?.cancel(reason).catch(() => {});
    },
  });
  return new Response(body, { status: 200, headers: { ...SSE_HEADERS, ...options.headers } });
}

function dataLines(text: string): string {
  return text
    .split(/\r\n|\r|\n/)
    .map((line) => `data: ${line}`)
    .join('\n');
}

/**
 * A GET stream carries nothing until the server has something to say, and Bun sends the
 * response headers with the first body bytes: without a first comment frame the client would
 * wait for the first keep-alive to learn the stream is open.
 */
export function flushHeadersNow(res: Response): Response {
  if (!res.body || !res.headers.get('content-type')?.includes('text/event-stream')) return res;
  const upstream = res.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(OPENED);
    },
    async pull(controller) {
      const { done, value } = await upstream.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return upstream.cancel(reason);
    },
  });
  return new Response(body, { status: res.status, headers: res.headers });
}
