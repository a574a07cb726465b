/** Where the trail records that its key was replaced (README "Losing the audit key"), as verify reads it. */

/**
 * An `audit.key_replaced` entry (src/audit/service.ts recordKeyReplacement): from `seq` on, `next`
 * signs where `previous` did. `previousChecked` says whether the entries `previous` signed were
 * checked against its own signatures (its public half given), or are proved only by the chain
 * up to `seq`, which `next` signed.
 */
export interface KeyReplacement {
  seq: number;
  previous: string;
  next: string;
  previousChecked: boolean;
}

/**
 * The key change an `audit.key_replaced` entry records (its details, as recordKeyReplacement
 * writes them), or undefined when they are not that.
 */
export function keyChangeOf(details: string | null): { previous: string; next: string } | undefined {
  try {
    const d = JSON.parse(details ?? 'null') as { previous_key_id?: unknown; key_id?: unknown } | null;
    const id = /^[0-9a-f]{16}$/;
    if (typeof d?.previous_key_id !== 'string' || typeof d.key_id !== 'string') return undefined;
    if (!id.test(d.previous_key_id) || !id.test(d.key_id) || d.previous_key_id === d.key_id) return undefined;
    return { previous: d.previous_key_id, next: d.key_id };
  } catch {
    return undefined;
  }
}

export function describeReplacement(r: KeyReplacement): string {
  const before = r.previousChecked
    ? `the entries before it were checked with key ${r.previous}'s public half`
    : `the entries before it, which name key ${r.previous}, are proved only as they stood when the replacement was recorded (by the chain key ${r.next} signed from there); nothing checked that key ${r.previous} signed them (give its public half with --replaced-key)`;
  return ` At entry #${r.seq} key ${r.previous} was declared lost and key ${r.next} signed on: ${before}.`;
}
