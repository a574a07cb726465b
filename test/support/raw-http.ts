import { connect } from 'node:net';

/**
 * Sends `head` byte for byte over TCP (what fetch would never send: no Host, a body cut short)
 * and answers the status line and the whole answer once the connection closes (send
 * `Connection: close`, or end the writing side with `endAfterWrite`).
 */
export function rawRequest(url: string, head: string, options: { endAfterWrite?: boolean } = {}) {
  const { hostname, port } = new URL(url);
  return new Promise<{ status: string; text: string }>((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(head);
      if (options.endAfterWrite) socket.end();
    });
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      text += chunk;
    });
    socket.on('close', () => resolve({ status: text.split('\r\n')[0] ?? '', text }));
    socket.on('error', reject);
  });
}
