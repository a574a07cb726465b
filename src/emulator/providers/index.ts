/**
 * Local mode's demo providers (docs/architecture.md "Modes"): a small fake of each registered
 * provider's API, seeded with visible demo data, on its own loopback port. The host map sends
 * the provider's real host there (src/outbound/test-host-map.ts); the call is otherwise the live
 * one: grant check, Pipes token injection (the fakes accept only tokens the embedded Pipes
 * fixture vends), the outbound guard's limits, secret stripping, audit.
 */
import type { PipeConnectionRecord } from '../fixtures/state.ts';
import { DEMO_SNOWFLAKE_HOST } from './accounts.ts';
import { pipesTokenCheck } from './auth.ts';
import { createGitHubFake } from './github.ts';
import { jsonAnswer } from './http.ts';
import { createLinearFake } from './linear.ts';
import { createNotionFake } from './notion.ts';
import { createSlackFake } from './slack.ts';
import { createSnowflakeFake } from './snowflake.ts';

export { DEMO_SNOWFLAKE_ACCOUNT, DEMO_SNOWFLAKE_HOST } from './accounts.ts';

export interface DemoProviderServers {
  /** Provider id → the real API host the fake stands in for. */
  hosts: Record<string, string>;
  /** Real API host → the fake's loopback origin (the outbound host map). */
  hostMap: Record<string, string>;
  close(): Promise<void>;
}

type Handler = (req: Request) => Promise<Response>;

/**
 * Starts every demo provider on 127.0.0.1 (free ports), checking tokens against `pipes`, the
 * identity environment's Pipes connected accounts. A failure inside a fake answers 500 and is
 * reported to `onError`; it never takes the process down.
 */
export function startDemoProviders(
  pipes: ReadonlyMap<string, PipeConnectionRecord>,
  onError: (message: string, fields: Record<string, unknown>) => void = () => {},
): DemoProviderServers {
  const fakes: [id: string, host: string, handler: Handler][] = [
    ['linear', 'api.linear.app', createLinearFake(pipesTokenCheck(pipes, 'linear')).handle],
    ['notion', 'api.notion.com', createNotionFake(pipesTokenCheck(pipes, 'notion')).handle],
    ['snowflake', DEMO_SNOWFLAKE_HOST, createSnowflakeFake(pipesTokenCheck(pipes, 'snowflake')).handle],
    ['github', 'api.github.com', createGitHubFake(pipesTokenCheck(pipes, 'github')).handle],
    ['slack', 'slack.com', createSlackFake(pipesTokenCheck(pipes, 'slack')).handle],
  ];
  const servers: ReturnType<typeof Bun.serve>[] = [];
  const hosts: Record<string, string> = {};
  const hostMap: Record<string, string> = {};
  for (const [id, host, handler] of fakes) {
    const server = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      async fetch(req) {
        try {
          return await handler(req);
        } catch (error) {
          onError('demo provider request failed', { provider: id, path: new URL(req.url).pathname, error });
          return jsonAnswer({ message: 'Internal error of the demo provider' }, 500);
        }
      },
    });
    servers.push(server);
    hosts[id] = host;
    hostMap[host] = `http://127.0.0.1:${server.port}`;
  }
  let closed: Promise<void> | undefined;
  return {
    hosts,
    hostMap,
    close: () => {
      closed ??= Promise.all(servers.map((s) => s.stop(true))).then(() => undefined);
      return closed;
    },
  };
}
