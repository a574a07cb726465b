/**
 * The first line a child process prints on `stream` (a JSON line describing where it listens),
 * or an error naming `what` when it exits before printing one.
 */
export async function firstLine(stream: ReadableStream<Uint8Array>, what: string): Promise<string> {
  const reader = stream.getReader();
  let text = '';
  while (!text.includes('\n')) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${what} exited before printing its first line`);
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return text.split('\n')[0]!;
}
