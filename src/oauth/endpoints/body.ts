import { MAX_FORM_BYTES } from '../../http/forms.ts';
import { utf8Text } from '../../http/utf8.ts';

export type FormBody = { ok: true; params: URLSearchParams } | { ok: false; description: string };

/**
 * Reads a token/revocation request body (RFC 6749 §3.2: form-encoded POST); refuses other
 * media types, oversized bodies and repeated parameters (RFC 6749 §3.1).
 */
export async function readOAuthForm(request: Request): Promise<FormBody> {
  const type = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    return { ok: false, description: 'The request body must be application/x-www-form-urlencoded.' };
  }
  const buf = await request.arrayBuffer();
  if (buf.byteLength > MAX_FORM_BYTES) return { ok: false, description: 'The request body is too large.' };
  const text = utf8Text(buf);
  if (text === undefined) return { ok: false, description: 'The request body is not valid UTF-8.' };
  const params = new URLSearchParams(text);
  for (const key of new Set(params.keys())) {
    if (params.getAll(key).length > 1)
      return { ok: false, description: `The parameter ${key} was sent more than once.` };
  }
  return { ok: true, params };
}
