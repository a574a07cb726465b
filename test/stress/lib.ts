/**
 * Shared pieces of the stress suite: the short/full switch, artifacts, a seeded PRNG, raw MCP
 * requests and a little statistics. Not a test file (no `.test.ts`), so bun never runs it alone.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `GATEHOUSE_STRESS=1` selects the full version of every stress file (`bun run test:stress`);
 * plain `bun test` runs the short one. Only the tests read it; the server never does.
 */
export const FULL = process.env.GATEHOUSE_STRESS === '1';
export const MODE = FULL ? 'full' : 'short';

const ARTIFACTS = join(import.meta.dir, '..', '..', 'test-artifacts', 'stress');

/**
 * Writes `test-artifacts/stress/<name>.json` (full mode) or `<name>.short.json` (short mode),
 * so a later plain `bun test` does not overwrite the numbers of a full run.
 */
export function writeArtifact(name: string, data: Record<string, unknown>): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, FULL ? `${name}.json` : `${name}.short.json`);
  writeFileSync(
    path,
    `${JSON.stringify({ mode: MODE, at: new Date().toISOString(), bun: Bun.version, ...data }, null, 2)}\n`,
  );
  return path;
}

/** sfc32: a small, fast, seedable PRNG with good statistical quality; returns [0, 1). */
export function prng(seed: number): () => number {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) next();
  return next;
}

/** Mixes a run seed and an input index into an independent seed (so one input can be replayed). */
export function subSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Rejects if `p` has not settled within `ms`: a guard against hanging, never a timing assertion. */
export function guard<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const g = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, g]).finally(() => clearTimeout(timer));
}

export { INITIALIZE, mcpPost, openRawSession, PROTOCOL_2025, sseMessages } from '../support/raw-mcp.ts';

/** Least-squares slope of y over x. */
export function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
