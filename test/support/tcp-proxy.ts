/**
 * A loopback TCP proxy in a process of its own, for tests of what a network does to a database
 * connection: `freeze` holds every byte both ways (a stalled network or server: nothing answers,
 * nothing closes), `cut` closes every connection without a word from the server (a proxy or NAT
 * that dropped an idle connection). Its own process, because the PostgreSQL bridge blocks the
 * test's thread while it waits for an answer.
 *
 * As a script: `bun test/support/tcp-proxy.ts <upstream-host> <upstream-port>` prints one JSON
 * line `{ "port", "control" }`; POST /freeze, /thaw or /cut on the control port.
 */
import type { Socket } from 'bun';
import { firstLine } from './first-line.ts';

export interface TcpProxy {
  /** `upstream` with its host and port replaced by the proxy's. */
  url: string;
  freeze(): Promise<void>;
  thaw(): Promise<void>;
  cut(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the proxy in front of `upstream` (a URL with a host and port, e.g. postgres://…). */
export async function startTcpProxy(upstream: string): Promise<TcpProxy> {
  const target = new URL(upstream);
  const proc = Bun.spawn(['bun', import.meta.path, target.hostname, target.port || '5432'], {
    stdout: 'pipe',
    stderr: 'inherit',
  });
  const described = await firstLine(proc.stdout, 'the TCP proxy');
  const { port, control } = JSON.parse(described) as { port: number; control: number };
  const url = new URL(upstream);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  const send = async (what: string) => {
    const res = await fetch(`http://127.0.0.1:${control}/${what}`, { method: 'POST' });
    if (!res.ok) throw new Error(`TCP proxy ${what}: ${res.status}`);
  };
  return {
    url: url.toString(),
    freeze: () => send('freeze'),
    thaw: () => send('thaw'),
    cut: () => send('cut'),
    stop: async () => {
      proc.kill();
      await proc.exited;
    },
  };
}

interface Pair {
  upstream?: Socket<Pair>;
  client: Socket<Pair>;
  /** Bytes from the client before the upstream connection was open. */
  early: Uint8Array[];
}

function serve(host: string, upstreamPort: number): void {
  let frozen = false;
  const held: (() => void)[] = [];
  const pairs = new Set<Pair>();
  /** Writes now, or when thawed (in order) while frozen. */
  const forward = (to: Socket<Pair> | undefined, data: Uint8Array) => {
    const copy = new Uint8Array(data);
    if (frozen) held.push(() => to?.write(copy));
    else to?.write(copy);
  };
  const close = (pair: Pair) => {
    pairs.delete(pair);
    pair.client.end();
    pair.upstream?.end();
  };
  const listener = Bun.listen<Pair>({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      async open(client) {
        const pair: Pair = { client, early: [] };
        client.data = pair;
        pairs.add(pair);
        pair.upstream = await Bun.connect<Pair>({
          hostname: host,
          port: upstreamPort,
          data: pair,
          socket: {
            data: (_s, data) => forward(client, data),
            close: () => close(pair),
            error: () => close(pair),
          },
        });
        for (const d of pair.early.splice(0)) forward(pair.upstream, d);
      },
      data(client, data) {
        const pair = client.data;
        if (pair.upstream) forward(pair.upstream, data);
        else pair.early.push(new Uint8Array(data));
      },
      close: (client) => close(client.data),
      error: (client) => close(client.data),
    },
  });
  const control = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(request) {
      const what = new URL(request.url).pathname;
      if (what === '/freeze') frozen = true;
      else if (what === '/thaw') {
        frozen = false;
        for (const write of held.splice(0)) write();
      } else if (what === '/cut') {
        held.length = 0;
        for (const pair of [...pairs]) close(pair);
      } else return new Response('unknown', { status: 404 });
      return new Response('ok');
    },
  });
  console.log(JSON.stringify({ port: listener.port, control: control.port }));
}

if (import.meta.main) {
  const [host, port] = process.argv.slice(2);
  if (!host || !port) throw new Error('usage: bun test/support/tcp-proxy.ts <upstream-host> <upstream-port>');
  serve(host, Number(port));
}
