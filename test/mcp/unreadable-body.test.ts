/**
 * A /mcp body that cannot be read is the client's doing: over the size limit without a
 * Content-Length (chunked), or cut short. It is refused (413, 400) and logged as a refusal —
 * never "mcp request failed" with a stack, never counted as a 500.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { MAX_REQUEST_BODY_BYTES } from '../../src/config/constants.ts';
import { tokensFor } from '../support/mcp.ts';
import { rawRequest } from '../support/raw-http.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';

setDefaultTimeout(60_000);

type Line = Record<string, unknown>;

describe('an unreadable /mcp body', () => {
  let gh: TestGatehouse;
  let token: string;
  beforeAll(async () => {
    gh = await startTestGatehouse();
    token = (await tokensFor(gh.url, 'member@demo.test')).access_token;
  });
  afterAll(async () => {
    await gh?.stop();
  });

  const lines = () => gh.logLines.map((l) => JSON.parse(l) as Line);

  /** The access line of the next /mcp request answered `status` (logged after the answer). */
  function nextAccessLine(status: number): Promise<Record<string, unknown>> {
    const log = gh.ctx.log;
    const warn = log.warn;
    return new Promise((resolve) => {
      log.warn = (msg, fields) => {
        warn.call(log, msg, fields);
        if (msg === 'request' && fields?.path === '/mcp' && fields?.status === status) {
          log.warn = warn;
          resolve(fields);
        }
      };
    });
  }

  test('unreadable body — chunked past the size limit is a 413 refusal, not a logged failure', async () => {
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    const logged = nextAccessLine(413);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > MAX_REQUEST_BODY_BYTES + chunk.length) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const res = await fetch(`${gh.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    }).catch(() => undefined);
    if (res) expect(res.status).toBe(413);
    expect(await logged).toMatchObject({ refused: 'body_unreadable' });
    expect(lines().some((l) => l.msg === 'mcp request failed')).toBe(false);
  });

  test('unreadable body — one cut short (the client closed) is a 400 refusal, not a logged failure', async () => {
    const { host } = new URL(gh.url);
    const head = [
      'POST /mcp HTTP/1.1',
      `Host: ${host}`,
      `Authorization: Bearer ${token}`,
      'Content-Type: application/json',
      'Accept: application/json, text/event-stream',
      'Content-Length: 200',
      '',
      '{"jsonrpc":"2.0","id":1,',
    ].join('\r\n');
    const logged = nextAccessLine(400);
    await rawRequest(gh.url, head, { endAfterWrite: true });
    expect(await logged).toMatchObject({ refused: 'body_unreadable' });
    expect(lines().some((l) => l.msg === 'mcp request failed')).toBe(false);
  });
});
