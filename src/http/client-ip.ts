/** The peer address of each request, recorded by the dispatcher (Bun's server knows it, Elysia does not). */
const peers = new WeakMap<Request, string>();

export function recordPeer(request: Request, address: string | undefined): void {
  if (address) peers.set(request, address);
}

export function peerAddress(request: Request): string {
  return peers.get(request) ?? 'unknown';
}
