/**
 * WaitingCalls (src/mcp/waiting-calls.ts) and answersInJson (src/mcp/elicitation.ts): the
 * calls of a JSON session answered when it ends, and which sessions answer in JSON.
 */
import { describe, expect, test } from 'bun:test';
import { answersInJson } from '../../src/mcp/elicitation.ts';
import { publicReason, WaitingCalls } from '../../src/mcp/waiting-calls.ts';
import { INITIALIZE } from '../support/raw-mcp.ts';

describe('WaitingCalls', () => {
  test('waiting calls — an answered call leaves nothing behind (a long session keeps no answers)', async () => {
    const waiting = new WaitingCalls();
    for (let i = 0; i < 100; i++) {
      const res = await waiting.race(Promise.resolve(Response.json({ id: i })), [i]);
      expect(res.status).toBe(200);
    }
    // Settled races leave in a continuation of their own: let it run.
    await Promise.resolve();
    expect(waiting.size).toBe(0);
    const failed = waiting.race(Promise.reject(new Error('transport closed')), [1]);
    await expect(failed).rejects.toThrow('transport closed');
    expect(waiting.size).toBe(0);
  });

  test('waiting calls — the session ending answers each waiting call at once, with its ids', async () => {
    const waiting = new WaitingCalls();
    const never = new Promise<Response>(() => {});
    const one = waiting.race(never, [7]);
    const batch = waiting.race(never, ['a', 'b']);
    const none = waiting.race(never, []);
    expect(waiting.size).toBe(3);
    waiting.endAll({ kind: 'client', recorded: 'closed by the client' });
    const bodies = await Promise.all([one, batch, none].map(async (p) => (await p).json()));
    expect((await one).status).toBe(404);
    expect(bodies[0]).toMatchObject({ id: 7, error: { code: -32001 } });
    expect((bodies[1] as { id: string }[]).map((b) => b.id)).toEqual(['a', 'b']);
    expect(bodies[2]).toMatchObject({ id: null });
    expect((bodies[0] as { error: { message: string } }).error.message).toContain('the client closed it');
    expect(waiting.size).toBe(0);
  });

  test('waiting calls — a client that leaves before its answer releases what waits for it, once; one answered first does not', async () => {
    const waiting = new WaitingCalls();
    const left = new AbortController();
    let released = 0;
    const { promise, resolve } = Promise.withResolvers<Response>();
    const pending = waiting.race(promise, [3], { signal: left.signal, release: () => released++ });
    left.abort();
    left.abort();
    expect(released).toBe(1);
    resolve(Response.json({ id: 3 }));
    await pending;
    // Answered before the client left: nothing to release.
    const stays = new AbortController();
    let late = 0;
    await waiting.race(Promise.resolve(Response.json({ id: 4 })), [4], {
      signal: stays.signal,
      release: () => late++,
    });
    await Promise.resolve();
    stays.abort();
    expect(late).toBe(0);
    // Already gone when the call came: released at once.
    let gone = 0;
    void waiting.race(new Promise<Response>(() => {}), [5], {
      signal: AbortSignal.abort(),
      release: () => gone++,
    });
    expect(gone).toBe(1);
  });

  test('waiting calls — the client reads the category of the end, never the recorded reason', async () => {
    const waiting = new WaitingCalls();
    const answer = waiting.race(new Promise<Response>(() => {}), [1]);
    waiting.endAll({ kind: 'revoked', recorded: 'token revoked: revoked in the console by admin@demo.test' });
    const text = await (await answer).text();
    expect(text).toContain('its authorization was revoked');
    expect(text).not.toContain('admin@demo.test');
    expect(publicReason('client')).toBe('the client closed it');
    expect(publicReason('idle')).toBe('it was idle too long');
    expect(publicReason('shutdown')).toBe('the server is shutting down');
  });
});

describe('answersInJson', () => {
  const withCaps = (capabilities: unknown) => ({
    ...INITIALIZE,
    params: { ...INITIALIZE.params, capabilities },
  });

  test('answers — JSON unless the initialize request declares elicitation (form, URL, or the bare pre-mode object)', () => {
    expect(answersInJson(withCaps({}))).toBe(true);
    expect(answersInJson(withCaps({ sampling: {} }))).toBe(true);
    expect(answersInJson(withCaps({ elicitation: {} }))).toBe(false);
    expect(answersInJson(withCaps({ elicitation: { form: {} } }))).toBe(false);
    expect(answersInJson(withCaps({ elicitation: { url: {} } }))).toBe(false);
  });

  test('answers — an initialize inside a batch is read too', () => {
    expect(answersInJson([withCaps({ elicitation: {} })])).toBe(false);
    expect(answersInJson([{ jsonrpc: '2.0', method: 'ping', id: 9 }, withCaps({ elicitation: {} })])).toBe(
      false,
    );
    expect(answersInJson([withCaps({})])).toBe(true);
  });

  test('answers — a body that is no initialize at all (null, a number, a string, an empty batch) answers JSON, never throws', () => {
    for (const body of [
      null,
      undefined,
      5,
      'initialize',
      [],
      [null],
      { method: 'initialize' },
      { params: null },
    ])
      expect(answersInJson(body)).toBe(true);
  });
});
