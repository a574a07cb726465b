import net from 'node:net';

/** A loopback TCP server that accepts connections and never answers (for timeouts). */
export async function startSilentServer(): Promise<{
  port: number;
  connections: () => number;
  stop(): void;
}> {
  const sockets = new Set<net.Socket>();
  let count = 0;
  const server = net.createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => count,
    stop() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

/**
 * A loopback TCP relay to `targetPort` that records the first bytes of each connection (the
 * TLS ClientHello, where SNI travels in clear) and the number of connections.
 */
export async function startRelay(
  targetPort: number,
): Promise<{ port: number; hellos: Buffer[]; stop(): void }> {
  const hellos: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let first = true;
    client.on('data', (chunk) => {
      if (first) hellos.push(Buffer.from(chunk));
      first = false;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      a.on('end', () => b.end());
      a.on('error', () => b.destroy());
      a.on('close', () => sockets.delete(a));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    hellos,
    stop() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}
