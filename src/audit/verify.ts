import type { Database } from 'bun:sqlite';
import { GENESIS_HASH } from './chain.ts';
import { headSignatureValid, type ReadHead, type SignedHead } from './head.ts';
import { type AuditKey, checkSignature, keyIdOfSignature } from './keys.ts';
import { indexProblem } from './pages.ts';
import { describeReplacement, type KeyReplacement, keyChangeOf } from './replacements.ts';
import { type Row, rowProblem, SELECT } from './segment.ts';
import { checkWitness, type WitnessSnapshot } from './witness.ts';

export interface VerifyProblem {
  seq: number;
  id: string;
  at: number;
  problem: string;
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  lastSeq: number | null;
  firstBad?: VerifyProblem;
  /** What is wrong at the end of the trail (entries cut off), when no single entry is bad. */
  endProblem?: string;
  /** The entry the signed head vouches for, when it was checked. */
  headSeq?: number;
  /** The trail or the head is not what the witness saw (a rollback), when a witness was given. */
  witnessProblem?: string;
  /** Heads of the witness checked, when one was given. */
  witnessHeads?: number;
  /** The last entry verified (a checkpoint a later `--since` can start from). */
  last?: VerifiedPoint;
  /** The checkpoint the walk started after, when it was incremental. */
  since?: number;
  /** Where the trail records that its key was declared lost and another signed on, in order. */
  replacements?: KeyReplacement[];
}

/**
 * Entries walked between two Ed25519 checks. A signature over an entry's hash vouches, through
 * the chain, for every entry before it; so the walk recomputes every hash but checks the
 * signature only of the last signed entry of each stretch of this many entries (and of the
 * trail's last entry). When one fails, each signature of that stretch is checked in order, to
 * name the first entry no valid signature proves.
 */
export const SIGNATURE_STRETCH = 4_096;

/** An entry already verified (a checkpoint): the walk continues after it, from its hash. */
export interface VerifiedPoint {
  seq: number;
  hash: string;
}

export interface VerifyOptions {
  /** Verify only the entries after this one; the caller vouches that it was verified. */
  since?: VerifiedPoint;
  /** Entries between two Ed25519 checks (tests set it small). */
  stretch?: number;
  /** Public halves of keys the trail declared replaced (`audit verify --replaced-key`). */
  replaced?: readonly AuditKey[];
}

/** An entry named in a report, and how many entries the walk had verified before it. */
type Ref = Pick<Row, 'seq' | 'id' | 'at'> & { before: number };

/** A signed entry whose Ed25519 check is deferred, the first entry it must prove, and its key. */
interface Signed {
  from: Ref;
  seq: number;
  hash: string;
  signature: string | null;
  key: AuditKey;
}

const ref = (r: Pick<Row, 'seq' | 'id' | 'at'>, before: number): Ref => ({
  seq: r.seq,
  id: r.id,
  at: r.at,
  before,
});

function invalidSignature(s: Signed): string {
  return s.from.seq === s.seq
    ? 'its signature is invalid: the hash was recomputed without the audit key'
    : `the signature of entry #${s.seq}, which vouches for entries #${s.from.seq}–#${s.seq} (one batch), is invalid: one of them was altered and the chain recomputed without the audit key`;
}

function shapeProblem(check: 'missing' | 'malformed' | 'other_key', from: Ref, seq: number): string {
  const why = {
    missing: 'it has no signature',
    malformed: 'its signature is malformed',
    other_key: 'it was signed by another key',
  }[check];
  return from.seq === seq
    ? why
    : `entry #${seq}, whose signature vouches for entries #${from.seq}–#${seq}: ${why}`;
}

/**
 * Walks the audit chain in order and reports the first entry that does not hold:
 * altered (its hash no longer matches its content, or its out-of-line record no longer matches
 * the hash the entry commits to), missing or reordered (its prev_hash does not name the entry
 * before it), or not proved by a signature of the audit key. An entry written in a batch (group
 * commit) carries no signature of its own: the batch's last entry is signed, and its signature
 * proves the whole batch; the trail always ends with a signed entry. Then, given the signed head
 * (read before the walk, so entries appended meanwhile only lengthen the chain), it checks that
 * the trail reaches the head's entry with the head's hash: entries cut off the end are caught
 * too. Given the witness (snapshotted before the head was read), it checks the trail and the head
 * against every head the witness saw: a database restored with its head from an older copy is
 * reported as a rollback. With `since`, only the entries after that verified point are walked;
 * the trail must still hold that point's entry with that hash.
 *
 * The trail ends signed with `key`. It may have been signed with other keys before, each change
 * at an `audit.key_replaced` entry signed with the new key and naming both (README "Losing the
 * audit key"): entries an earlier key signed are checked against their own signatures when its
 * public half is among `options.replaced`, and are otherwise proved by the chain up to the
 * replacement, which the next key signed (the result lists each replacement and which it was).
 * Any other change of key is a break.
 */
export function verifyChain(
  sqlite: Database,
  key: AuditKey,
  head?: ReadHead,
  witness?: WitnessSnapshot,
  options: VerifyOptions = {},
): VerifyResult {
  const since = options.since;
  const stretch = options.stretch ?? SIGNATURE_STRETCH;
  const hashAt = sqlite.prepare<{ hash: string }, [number]>('SELECT hash FROM audit_entries WHERE seq = ?');
  if (since && since.seq > 0 && hashAt.get(since.seq)?.hash !== since.hash)
    return {
      ok: false,
      checked: 0,
      lastSeq: null,
      endProblem: `the trail no longer holds the checkpoint's entry #${since.seq} with the hash that was verified: entries were altered, removed or rolled back since (run a full verify)`,
    };
  // The trail numbers its entries from 1: a row below is outside the walk (and the chain), yet an
  // export would show it. Cheap: seq is the table's key.
  const stray = sqlite
    .query<Pick<Row, 'seq' | 'id' | 'at'>, []>('SELECT seq, id, at FROM audit_entries WHERE seq <= 0 LIMIT 1')
    .get();
  if (stray)
    return {
      ok: false,
      checked: 0,
      lastSeq: null,
      firstBad: {
        ...stray,
        problem:
          'its seq is not positive: the trail numbers its entries from 1, so it was added outside the trail',
      },
    };
  const wanted = head?.kind === 'ok' ? head.head : undefined;
  let hashAtHead: string | undefined;
  let prev = since?.hash ?? GENESIS_HASH;
  let prevSeq: number | null = since && since.seq > 0 ? since.seq : null;
  let checked = 0;
  /** The first entry since the last signed one (proved by none yet). */
  let unproved: Ref | undefined;
  /** Signed entries since the last Ed25519 check that held. */
  let deferred: Signed[] = [];
  let sinceCheck = 0;
  /** The key the trail is signed with from `signerFrom` on (the first signed entry's, then each replacement's). */
  let signer: string | undefined;
  let signerFrom: Ref | undefined;
  const replacements: KeyReplacement[] = [];
  const signersSeen = new Set<string>();
  const keys = new Map([...(options.replaced ?? []), key].map((k) => [k.keyId, k]));

  /** The first entry that no valid signature proves among the deferred ones, if any. */
  const firstUnproved = (): { at: Ref; problem: string } | undefined => {
    const last = deferred[deferred.length - 1];
    if (!last || checkSignature(last.key, last.hash, last.signature) === 'valid') {
      deferred = [];
      return undefined;
    }
    for (const s of deferred)
      if (checkSignature(s.key, s.hash, s.signature) !== 'valid')
        return { at: s.from, problem: invalidSignature(s) };
    return undefined;
  };
  const failAt = (at: Ref, problem: string): VerifyResult => {
    const earlier = firstUnproved();
    const bad = earlier ?? { at, problem };
    return {
      ok: false,
      checked: bad.at.before,
      lastSeq: prevSeq,
      firstBad: { seq: bad.at.seq, id: bad.at.id, at: bad.at.at, problem: bad.problem },
    };
  };

  for (const row of sqlite
    .query<Row, [number, number]>(SELECT)
    .iterate(since?.seq ?? 0, Number.MAX_SAFE_INTEGER)) {
    const bad = rowProblem(row, prev);
    if (bad === 'link') {
      const where = prevSeq === null ? 'the start of the log' : `entry #${prevSeq}`;
      return failAt(
        ref(row, checked),
        `its prev_hash does not match ${where}: an entry before it is missing, or entries were reordered`,
      );
    }
    if (bad === 'hash')
      return failAt(ref(row, checked), 'its content does not match its hash: the entry was altered');
    if (bad) return failAt(ref(row, checked), bad);
    if (row.signature === null) {
      unproved ??= ref(row, checked);
    } else {
      const from = unproved ?? ref(row, checked);
      const signedWith = keyIdOfSignature(row.signature);
      if (signedWith === undefined) return failAt(from, shapeProblem('malformed', from, row.seq));
      if (row.event === 'audit.key_replaced') {
        // The only place the key may change: the new key signs the entry that names both.
        const change = keyChangeOf(row.details);
        if (!change || change.next !== signedWith || (signer !== undefined && change.previous !== signer))
          return failAt(
            from,
            `it records a key replacement ${change ? `from key ${change.previous} to key ${change.next}` : 'without the two keys'}, but ${signer === undefined ? '' : `the trail was signed with key ${signer} and `}the entry is signed with key ${signedWith}: it was not written by a declared replacement`,
          );
        // A key declared lost never signs again: K, then A "replacing" it, then K once more is
        // another key's entries wrapped in the audit key's (written by whoever holds A).
        if (signersSeen.has(change.next))
          return failAt(
            from,
            `it records a replacement by key ${change.next}, which had signed the trail before: a key declared lost never signs again, so another key signed the entries in between`,
          );
        // The previous key's last signature proves, through the chain, everything it signed: it is
        // checked here when that key is known, not only at the next stretch.
        const earlier = firstUnproved();
        if (earlier) return failAt(earlier.at, earlier.problem);
        replacements.push({
          seq: row.seq,
          previous: change.previous,
          next: signedWith,
          previousChecked: keys.has(change.previous),
        });
        signer = signedWith;
        signerFrom = ref(row, checked);
        signersSeen.add(signedWith);
      } else if (signer === undefined) {
        signer = signedWith;
        signerFrom = from;
        signersSeen.add(signedWith);
      } else if (signedWith !== signer) {
        return failAt(from, shapeProblem('other_key', from, row.seq));
      }
      // A key whose public half is not given (lost with its private half) is proved by the chain
      // up to the replacement the next key signed; the trail must end with `key`'s (below).
      const known = keys.get(signedWith);
      if (known) deferred.push({ from, seq: row.seq, hash: row.hash, signature: row.signature, key: known });
      unproved = undefined;
    }
    prev = row.hash;
    prevSeq = row.seq;
    if (wanted && row.seq === wanted.seq) hashAtHead = row.hash;
    checked++;
    if (++sinceCheck >= stretch && unproved === undefined) {
      const bad = firstUnproved();
      if (bad) return failAt(bad.at, bad.problem);
      sinceCheck = 0;
    }
  }
  if (unproved)
    return failAt(
      unproved,
      'no signature vouches for it: the entries from here to the end of the trail carry none (they were added without the audit key)',
    );
  const bad = firstUnproved();
  if (bad) return failAt(bad.at, bad.problem);
  // The trail's end must be signed with the verifying key: what another key signed last is
  // proved by nothing this verify trusts.
  if (signer !== undefined && signer !== key.keyId && signerFrom)
    return failAt(
      signerFrom,
      shapeProblem('other_key', signerFrom, signerFrom.seq) +
        (replacements.at(-1)?.seq === signerFrom.seq
          ? `: this entry claims the audit key was replaced by key ${signer} (an audit.key_replaced entry that key signed). If you declared that replacement (GATEHOUSE_AUDIT_KEY_REPLACES) and key ${signer} is your audit key now, verify with its public half and this one as --replaced-key; if not, another key signed the trail from here`
          : ` (${signer}), not the audit key ${key.keyId}, from here to the end of the trail`),
    );
  // A head the audit key signed vouches for any end; one a replaced key signed, only for an entry
  // before that key's replacement (a lost key may have been stolen: its heads prove no later end).
  const until = new Map(replacements.map((r) => [r.previous, r.seq]));
  const headTrusted = (h: SignedHead): boolean =>
    headSignatureValid(key, h) ||
    (options.replaced ?? []).some((k) => h.seq < (until.get(k.keyId) ?? 0) && headSignatureValid(k, h));
  if (wanted && hashAtHead === undefined && since && wanted.seq <= since.seq)
    hashAtHead = wanted.seq === since.seq ? since.hash : hashAt.get(wanted.seq)?.hash;
  const endProblem = head
    ? checkEnd(headTrusted, head, checked + (since?.seq ? 1 : 0), prevSeq, hashAtHead)
    : undefined;
  if (endProblem) return { ok: false, checked, lastSeq: prevSeq, endProblem };
  // The console reads its filtered pages from an index the chain does not cover: it must agree.
  const index = indexProblem(sqlite, since?.seq ?? 0);
  if (index) return { ok: false, checked, lastSeq: prevSeq, endProblem: index };
  const seen = witness ? checkWitness(sqlite, headTrusted, witness, head) : undefined;
  const witnessed = seen ? { witnessHeads: seen.heads } : {};
  if (seen?.problem)
    return { ok: false, checked, lastSeq: prevSeq, witnessProblem: seen.problem, ...witnessed };
  return {
    ok: true,
    checked,
    lastSeq: prevSeq,
    ...(prevSeq !== null ? { last: { seq: prevSeq, hash: prev } } : {}),
    ...(since ? { since: since.seq } : {}),
    ...(wanted ? { headSeq: wanted.seq } : {}),
    ...(replacements.length > 0 ? { replacements } : {}),
    ...witnessed,
  };
}

function checkEnd(
  trusted: (h: SignedHead) => boolean,
  head: ReadHead,
  checked: number,
  lastSeq: number | null,
  hashAtHead: string | undefined,
): string | undefined {
  if (head.kind === 'missing') {
    return checked === 0
      ? undefined
      : `the signed head (${head.path}) is missing, so entries removed from the end could not be detected`;
  }
  if (head.kind === 'unreadable') return `the signed head (${head.path}) cannot be read: ${head.why}`;
  const h = head.head;
  if (!trusted(h)) return 'the signed head is not signed by the audit key';
  if (h.seq === 0) return undefined;
  const when = new Date(h.at).toISOString();
  if (lastSeq === null || lastSeq < h.seq) {
    const end = lastSeq === null ? 'the trail is empty' : `the trail ends at entry #${lastSeq}`;
    return `${end}, but the signed head (${when}) records entry #${h.seq}: entries were removed from the end`;
  }
  if (hashAtHead !== h.hash)
    return `entry #${h.seq} is not the entry the signed head (${when}) records: the end of the trail was replaced`;
  return undefined;
}

export function describeResult(r: VerifyResult): string {
  const n = `${r.checked} entr${r.checked === 1 ? 'y' : 'ies'}`;
  if (r.ok) {
    const head = r.headSeq === undefined ? '' : `, signed head at #${r.headSeq}`;
    const witness =
      r.witnessHeads === undefined
        ? ''
        : `, ${r.witnessHeads} witnessed head${r.witnessHeads === 1 ? '' : 's'} agree`;
    const after = r.since === undefined ? '' : ` after the verified checkpoint at #${r.since}`;
    return `Audit trail intact: ${n} verified${after} (hash chain, out-of-line records and Ed25519 signatures${head}${witness}).${(r.replacements ?? []).map(describeReplacement).join('')}`;
  }
  if (r.witnessProblem)
    return `Audit trail ROLLED BACK: ${r.witnessProblem}. The ${n} present verify on their own.`;
  if (!r.firstBad) return `Audit trail BROKEN: ${r.endProblem}. The ${n} present verify.`;
  const b = r.firstBad;
  return `Audit trail BROKEN at entry #${b.seq} (${b.id}, ${new Date(b.at).toISOString()}): ${b.problem}. ${r.checked} entr${r.checked === 1 ? 'y' : 'ies'} before it verified.`;
}
