import { AppError } from '../errors/app-error.ts';
import { utf8Text } from './utf8.ts';

/** Console forms are small; anything bigger is refused before it is read. */
export const MAX_FORM_BYTES = 64 * 1024;

/**
 * Reads an `application/x-www-form-urlencoded` body into single-valued fields (plus a
 * multi-valued getter), refusing other content types, oversized bodies and repeated scalars.
 */
export async function readForm(request: Request): Promise<FormFields> {
  const type = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new AppError('invalid_input', 'Expected a form submission (application/x-www-form-urlencoded).');
  }
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > MAX_FORM_BYTES) throw new AppError('payload_too_large', 'The form is too large.');
  const buf = await request.arrayBuffer();
  if (buf.byteLength > MAX_FORM_BYTES) throw new AppError('payload_too_large', 'The form is too large.');
  const text = utf8Text(buf);
  if (text === undefined) throw new AppError('invalid_input', 'The form is not valid UTF-8.');
  return new FormFields(new URLSearchParams(text));
}

export class FormFields {
  constructor(readonly params: URLSearchParams) {}

  /** The single value of a field; undefined when absent; refused when sent twice. */
  get(name: string): string | undefined {
    const all = this.params.getAll(name);
    if (all.length > 1) throw new AppError('invalid_input', `The field "${name}" was sent more than once.`);
    return all[0];
  }

  require(name: string, label = name): string {
    const v = this.get(name)?.trim();
    if (!v)
      throw new AppError('invalid_input', `${label} is required.`, {
        fields: [{ field: name, message: 'required' }],
      });
    return v;
  }

  all(name: string): string[] {
    return this.params.getAll(name);
  }
}
