/**
 * streamIfLate (src/mcp/answers.ts): an answer ready in time goes out as one JSON body; a late
 * one becomes an SSE stream that keeps the connection alive, then carries the answer. The timers
 * are injected: each test fires them itself.
 */
import { describe, expect, test } from 'bun:test';
import { type Schedule, streamIfLate } from '../../src/mcp/answers.ts';
import { sseMessages } from '../support/raw-mcp.ts';

/** Timers fired by hand: `fire()` runs every one still armed. */
function manualTimers() {
  const armed = new Set<() => void>();
  const schedule: Schedule = (fn) => {
    armed.add(fn);
    return () => armed.delete(fn);
  };
  return {
    schedule,
    armed,
    fire: () => {
      for (const fn of [...armed]) fn();
    },
  };
}

const RESULT = { jsonrpc: '2.0', id: 7, result: { content: [{ type: 'text', text: 'a\nb' }] } };

function options(timeout: ReturnType<typeof manualTimers>, keepAlive: ReturnType<typeof manualTimers>) {
  return {
    afterMs: 5000,
    keepAliveMs: 5000,
    headers: { 'mcp-session-id': 'sess_1' },
    schedule: timeout.schedule,
    interval: keepAlive.schedule,
  };
}

/** A call whose answer is still pending at the deadline: the stream it became, and the answer's hooks. */
async function lateAnswer() {
  const timeout = manualTimers();
  const keepAlive = manualTimers();
  const { promise, resolve, reject } = Promise.withResolvers<Response>();
  const pending = streamIfLate(promise, options(timeout, keepAlive));
  timeout.fire();
  return { res: await pending, promise, resolve, reject, keepAlive };
}

/** Reads a stream chunk by chunk as text. */
function textReader(res: Response) {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  return {
    reader,
    async next(): Promise<string | undefined> {
      const r = await reader.read();
      return r.done ? undefined : decoder.decode(r.value);
    },
    async rest(): Promise<string> {
      let all = '';
      for (let c = await this.next(); c !== undefined; c = await this.next()) all += c;
      return all;
    },
  };
}

describe('streamIfLate', () => {
  test('answers — an answer ready before the deadline goes out as it is, and its timer is disarmed', async () => {
    const timeout = manualTimers();
    const json = Response.json(RESULT);
    const res = await streamIfLate(Promise.resolve(json), options(timeout, manualTimers()));
    expect(res).toBe(json);
    expect(timeout.armed.size).toBe(0);
  });

  test('answers — a failure before the deadline fails as it is', async () => {
    const timeout = manualTimers();
    const res = streamIfLate(Promise.reject(new Error('boom')), options(timeout, manualTimers()));
    await expect(res).rejects.toThrow('boom');
    expect(timeout.armed.size).toBe(0);
  });

  test('answers — a late JSON answer: an SSE stream opens at the deadline, keeps alive, then carries it as one event', async () => {
    const { res, resolve, keepAlive } = await lateAnswer();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(res.headers.get('mcp-session-id')).toBe('sess_1');
    const body = textReader(res);
    expect(await body.next()).toBe(': stream opened\n\n');
    keepAlive.fire();
    expect(await body.next()).toBe(': keepalive\n\n');
    // Pretty-printed JSON spans lines: each becomes its own data line, joined back by SSE.
    resolve(
      new Response(JSON.stringify(RESULT, null, 2), { headers: { 'content-type': 'application/json' } }),
    );
    const rest = await body.rest();
    expect(sseMessages(rest)).toEqual([RESULT]);
    expect(keepAlive.armed.size).toBe(0);
  });

  test('answers — a late JSON-RPC error (the session ended) is carried as its message; a failure or a body that is not JSON ends the stream with none', async () => {
    const ended = { jsonrpc: '2.0', id: 7, error: { code: -32001, message: 'This MCP session ended' } };
    const cases: [(r: (x: Response) => void, j: (e: Error) => void) => void, unknown[]][] = [
      [(resolve) => resolve(Response.json(ended, { status: 404 })), [ended]],
      [(_, reject) => reject(new Error('transport closed')), []],
      [
        (resolve) =>
          resolve(new Response('gone', { status: 502, headers: { 'content-type': 'text/plain' } })),
        [],
      ],
    ];
    for (const [settle, expected] of cases) {
      const { res, resolve, reject, keepAlive } = await lateAnswer();
      const body = textReader(res);
      expect(await body.next()).toBe(': stream opened\n\n');
      settle(resolve, reject);
      expect(sseMessages(await body.rest())).toEqual(expected);
      expect(keepAlive.armed.size).toBe(0);
    }
  });

  test('answers — a late answer that is itself a stream is piped through', async () => {
    const { res, resolve } = await lateAnswer();
    const body = textReader(res);
    expect(await body.next()).toBe(': stream opened\n\n');
    const frames = `event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress' })}\n\nevent: message\ndata: ${JSON.stringify(RESULT)}\n\n`;
    resolve(new Response(frames, { headers: { 'content-type': 'text/event-stream' } }));
    expect(sseMessages(await body.rest())).toEqual([
      { jsonrpc: '2.0', method: 'notifications/progress' },
      RESULT,
    ]);
  });

  test('answers — when the client goes away before a late answer, the answer is dropped and its body cancelled', async () => {
    const { res, promise, resolve, keepAlive } = await lateAnswer();
    const body = textReader(res);
    expect(await body.next()).toBe(': stream opened\n\n');
    await body.reader.cancel('client left');
    expect(keepAlive.armed.size).toBe(0);
    let cancelled = false;
    const late = new ReadableStream({
      cancel: () => {
        cancelled = true;
      },
    });
    resolve(new Response(late, { headers: { 'content-type': 'application/json' } }));
    await promise;
    // The cancel runs in the answer's own continuation: wait for it, not for a clock.
    for (let i = 0; i < 10 && !cancelled; i++) await Promise.resolve();
    expect(cancelled).toBe(true);
  });
});
