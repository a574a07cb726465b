import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { replaceJsonFile } from './head-store.ts';
import { type AuditKey, checkMessage, signMessage } from './keys.ts';
import type { VerifiedPoint } from './verify.ts';

/**
 * A verified checkpoint: the last entry a full (or incremental) `audit verify` proved, signed
 * with the audit key so that a later `audit verify --since <file>` can start after it. The
 * message is domain-separated from entry and head signatures, so neither can be passed off as a
 * checkpoint; a checkpoint written by hand, or whose entry the trail no longer holds with that
 * hash, is refused.
 */
export const CHECKPOINT_FILE = 'audit-checkpoint.json';

export interface SignedCheckpoint extends VerifiedPoint {
  /** When the verification that produced it ended. */
  at: number;
  signature: string;
}

const checkpointSchema = z.strictObject({
  seq: z.number().int().positive(),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  at: z.number().int().nonnegative(),
  signature: z.string().max(200),
});

function message(c: Omit<SignedCheckpoint, 'signature'>): Buffer {
  return Buffer.from(`gatehouse-audit-checkpoint-v1\n${c.seq}\n${c.hash}\n${c.at}`);
}

/** Signs and writes a checkpoint (temporary name, synced, renamed: a crash leaves old or new). */
export function writeCheckpoint(
  path: string,
  key: AuditKey,
  point: VerifiedPoint,
  at: number,
): SignedCheckpoint {
  const unsigned = { seq: point.seq, hash: point.hash, at };
  const checkpoint = { ...unsigned, signature: signMessage(key, message(unsigned)) };
  replaceJsonFile(path, checkpoint);
  return checkpoint;
}

export type ReadCheckpoint = { kind: 'ok'; checkpoint: SignedCheckpoint } | { kind: 'refused'; why: string };

/**
 * Whether `path` may take a checkpoint: nothing there yet, or a checkpoint a verification wrote.
 * Anything else (the database, a key, a FIFO, a directory) is never overwritten: the reason.
 */
export function checkpointTargetProblem(path: string): string | undefined {
  if (!existsSync(path)) return existsSync(dirname(path)) ? undefined : `${dirname(path)} does not exist`;
  if (!statSync(path).isFile()) return `${path} is not a regular file`;
  try {
    if (checkpointSchema.safeParse(JSON.parse(readFileSync(path, 'utf8'))).success) return undefined;
  } catch {}
  return `${path} exists and is not a checkpoint; Gatehouse never overwrites another file`;
}

/** Reads a checkpoint and checks its signature; anything else is refused, with the reason. */
export function readCheckpoint(path: string, key: AuditKey): ReadCheckpoint {
  if (!existsSync(path)) return { kind: 'refused', why: `there is no checkpoint at ${path}` };
  if (!statSync(path).isFile()) return { kind: 'refused', why: `${path} is not a regular file` };
  let parsed: z.infer<typeof checkpointSchema>;
  try {
    const result = checkpointSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    if (!result.success) return { kind: 'refused', why: `${path} is not a verified checkpoint` };
    parsed = result.data;
  } catch (e) {
    return { kind: 'refused', why: `${path} cannot be read as a checkpoint: ${(e as Error).message}` };
  }
  const check = checkMessage(key, message(parsed), parsed.signature);
  if (check === 'other_key')
    return {
      kind: 'refused',
      why: `the checkpoint ${path} is signed by another key than the audit key ${key.keyId} (one it replaced, or not the trail's): run a full verify, which writes a checkpoint of this key`,
    };
  if (check !== 'valid')
    return {
      kind: 'refused',
      why: `the checkpoint ${path} is not signed by the audit key (${check}): it was not written by a verification`,
    };
  return { kind: 'ok', checkpoint: parsed };
}
