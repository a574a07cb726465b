import { AppError } from '../errors/app-error.ts';

function tooLarge(host: string, maxBytes: number, what: string): AppError {
  return new AppError(
    'upstream_failed',
    `Response from ${host} is too large: ${what}, above the ${maxBytes}-byte limit.`,
  );
}

/**
 * Reads a response body up to `maxBytes`, counting decompressed bytes as they stream in, so a
 * huge or endless body (or a compression bomb) is cut off rather than buffered. A declared
 * Content-Length above the limit is refused before reading anything.
 *
 * @throws AppError `upstream_failed` once the limit is exceeded.
 */
export async function readLimited(res: Response, maxBytes: number, host: string): Promise<Uint8Array> {
  const declared = res.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) {
    void res.body?.cancel().catch(() => {});
    throw tooLarge(host, maxBytes, `it declared Content-Length ${declared}`);
  }
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      void reader.cancel().catch(() => {});
      throw tooLarge(host, maxBytes, `it sent more than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
