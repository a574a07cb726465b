/**
 * The exact secrets Gatehouse knows for one call (the provider token it injected, the team's
 * WorkOS keys), found in any string in the shapes a provider may echo them back in:
 *
 * - as they are, in any letter case, and as hex;
 * - base64 and base64url, alone or inside a longer blob (`Basic base64(user:token)`, a JWT
 *   segment). Each secret is encoded at the three byte alignments it can have in a blob, and the
 *   characters that depend on its bytes alone are searched for; a hit redacts the whole base64
 *   run around it. (Decoding every base64-looking run at four offsets instead would cost more on
 *   every response and still need the same alignment care.)
 * - behind escapes and invisible characters: percent-encoding of some or all characters,
 *   JSON/JS escapes (`\u0041`, `\u{41}`, `\x41`), HTML character references (`&#65;`,
 *   `&#x41;`, `&lowbar;`), each escaped again (`\\u0041`, `%2541`, `&amp;#65;`), fullwidth
 *   forms, and split by invisible characters (U+200B–U+200F, U+2060–U+2064, U+180E, U+034F, U+FEFF),
 *   tabs, no-break spaces, soft hyphens or
 *   line breaks. The text is decoded (up to three rounds) with a map back to the original
 *   positions, and the original span is replaced.
 *
 * Cost: the needles of a call (at most eight per secret) are two compiled patterns, each one
 * pass over the text and over each decoded round: linear in its length, never quadratic.
 */
import { escapeRegExp } from '../kernel/regexp.ts';

/** Shorter "secrets" would redact ordinary words; real keys and tokens are far longer. */
const MIN_SECRET_LENGTH = 8;
const MAX_DECODE_ROUNDS = 3;

export interface KnownSecrets {
  /** Searched case-insensitively (ASCII): the secret itself, its hex form. */
  folded: string[];
  /** Searched exactly: the stable cores of its base64 and base64url forms. */
  base64: string[];
  /**
   * The length of the shortest needle: a shorter text cannot hold one, in any shape (decoding
   * an escape or dropping an invisible character only ever shortens a text).
   */
  shortest: number;
}

const asciiLower = (s: string) => s.replace(/[A-Z]+/g, (m) => m.toLowerCase());

/**
 * The base64 characters that depend on the secret's bytes alone, when `k` (0–2) bytes precede it
 * in the encoded blob: the first and last characters also carry neighbouring bits.
 */
function base64Core(bytes: Uint8Array, k: number): string {
  const padded = new Uint8Array(k + bytes.length);
  padded.set(bytes, k);
  const b64 = Buffer.from(padded).toString('base64');
  return b64.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6));
}

/**
 * Compiled needles by their secrets: a team's keys are the same call after call, and compiling
 * them (hex, three base64 alignments each) is most of the filter's cost. Bounded; the oldest
 * set is forgotten first.
 */
const compiled = new Map<string, KnownSecrets | undefined>();
const COMPILED_MAX = 256;

/** Prepares the needles of a call's known secrets, or undefined when there are none. */
export function compileKnownSecrets(secrets: readonly string[] | undefined): KnownSecrets | undefined {
  if (!secrets?.length) return undefined;
  const key = secrets.join('\0');
  if (compiled.has(key)) return compiled.get(key);
  const needles = compileNeedles(secrets);
  if (compiled.size >= COMPILED_MAX) compiled.delete(compiled.keys().next().value as string);
  compiled.set(key, needles);
  return needles;
}

function compileNeedles(secrets: readonly string[]): KnownSecrets | undefined {
  const folded = new Set<string>();
  const base64 = new Set<string>();
  for (const secret of new Set(secrets)) {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) continue;
    const bytes = new TextEncoder().encode(secret);
    folded.add(asciiLower(secret));
    folded.add(Buffer.from(bytes).toString('hex'));
    for (let k = 0; k < 3; k++) {
      const core = base64Core(bytes, k);
      if (core.length < MIN_SECRET_LENGTH) continue;
      base64.add(core);
      base64.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  if (folded.size === 0) return undefined;
  const needles = [...folded, ...base64];
  return { folded: [...folded], base64: [...base64], shortest: Math.min(...needles.map((n) => n.length)) };
}

/** Anything the decoder would change; a string without any is matched as is. */
const DECODABLE = /[%\\&\t\u00A0\u00AD\u180E\u200B-\u200F\u2060-\u2064\uFEFF\r\n\uFF01-\uFF5E]|\u034F/;
/** Invisible characters percent-encoded as UTF-8. */
const PERCENT_IGNORABLE = /%(?:E2%80%8[BCD]|E2%81%A0|EF%BB%BF|C2%AD)/iy;
const PERCENT = /%([0-9A-Fa-f]{2})/y;
const JS_ESCAPE = /\\(?:u([0-9A-Fa-f]{4})|u\{([0-9A-Fa-f]{1,6})\}|x([0-9A-Fa-f]{2})|([\\/"']))/y;
const HTML_REFERENCE = /&(?:#[xX]([0-9A-Fa-f]{1,6});?|#([0-9]{1,7});?|([A-Za-z]{2,8});)/y;

/** The match of a sticky pattern at `at`, or null. */
function matchAt(re: RegExp, s: string, at: number): RegExpExecArray | null {
  re.lastIndex = at;
  return re.exec(s);
}

/** Named references of the characters API keys and tokens are made of. */
const HTML_NAMES: Record<string, string> = {
  lowbar: '_',
  UnderBar: '_',
  period: '.',
  hyphen: '-',
  dash: '-',
  plus: '+',
  sol: '/',
  equals: '=',
  colon: ':',
  tilde: '~',
  amp: '&',
  percnt: '%',
  bsol: '\\',
  num: '#',
  semi: ';',
  excl: '!',
  quest: '?',
  commat: '@',
  dollar: '$',
  ast: '*',
};

/** A decoded text and, per character, the span of the original text it came from. */
interface Decoded {
  text: string;
  start: Int32Array;
  end: Int32Array;
}

function codePoint(hex: string | undefined, dec?: string): string | undefined {
  const n = hex !== undefined ? Number.parseInt(hex, 16) : Number.parseInt(dec ?? '', 10);
  return Number.isFinite(n) && n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : undefined;
}

/** The escape sequence starting at `at` (a `%`, a backslash or `&`): what it stands for, and its length. */
function escapeAt(s: string, at: number, code: number): { decoded: string; length: number } | undefined {
  let m: RegExpExecArray | null;
  let decoded: string | undefined;
  if (code === 0x25 /* % */) {
    m = matchAt(PERCENT_IGNORABLE, s, at);
    if (m) return { decoded: '', length: m[0].length };
    m = matchAt(PERCENT, s, at);
    decoded = m ? String.fromCharCode(Number.parseInt(m[1]!, 16)) : undefined;
  } else if (code === 0x5c /* \ */) {
    m = matchAt(JS_ESCAPE, s, at);
    decoded = m ? (m[4] ?? codePoint(m[1] ?? m[2] ?? m[3])) : undefined;
  } else {
    m = matchAt(HTML_REFERENCE, s, at);
    decoded = m ? (m[3] !== undefined ? HTML_NAMES[m[3]] : codePoint(m[1], m[2])) : undefined;
  }
  return m && decoded !== undefined ? { decoded, length: m[0].length } : undefined;
}

/** Zero-width characters, the word joiner, the BOM, soft hyphens and line breaks. */
function isIgnorable(code: number): boolean {
  return (
    code === 0x09 ||
    code === 0x0a ||
    code === 0x0d ||
    code === 0xa0 ||
    code === 0xad ||
    code === 0x034f ||
    code === 0x180e ||
    (code >= 0x200b && code <= 0x200f) ||
    (code >= 0x2060 && code <= 0x2064) ||
    code === 0xfeff
  );
}

/** One round of decoding; undefined when nothing changed. */
function decodeOnce(s: string): Decoded | undefined {
  if (!DECODABLE.test(s)) return undefined;
  // A decoded character never takes more room than what it came from.
  const start = new Int32Array(s.length);
  const end = new Int32Array(s.length);
  const parts: string[] = [];
  let n = 0;
  let run = 0; // start of the pending run of characters copied as they are
  const flush = (to: number) => {
    if (to > run) parts.push(s.slice(run, to));
    for (let j = run; j < to; j++) {
      start[n] = j;
      end[n] = j + 1;
      n++;
    }
  };
  const emit = (text: string, from: number, to: number) => {
    flush(from);
    for (let j = 0; j < text.length; j++) {
      if (isIgnorable(text.charCodeAt(j))) continue;
      parts.push(text[j]!);
      start[n] = from;
      end[n] = to;
      n++;
    }
    run = to;
  };
  let i = 0;
  while (i < s.length) {
    const code = s.charCodeAt(i);
    if (code === 0x25 /* % */ || code === 0x5c /* \ */ || code === 0x26 /* & */) {
      const seq = escapeAt(s, i, code);
      if (seq) {
        emit(seq.decoded, i, i + seq.length);
        i += seq.length;
        continue;
      }
    } else if (code >= 0xff01 && code <= 0xff5e) {
      // Fullwidth forms: ｓｋ＿ｌｉｖｅ reads as sk_live.
      emit(String.fromCharCode(code - 0xfee0), i, i + 1);
    } else if (isIgnorable(code)) {
      emit('', i, i + 1);
    }
    i += 1;
  }
  if (run === 0) return undefined; // nothing was decoded or removed
  flush(s.length);
  return { text: parts.join(''), start: start.subarray(0, n), end: end.subarray(0, n) };
}

const BASE64_CHAR = /[A-Za-z0-9+/_-]/;

const foldedPatterns = new WeakMap<KnownSecrets, RegExp | null>();

const base64Patterns = new WeakMap<KnownSecrets, RegExp | null>();

/** The base64 cores as one exact pattern, longest first. */
function base64Pattern(known: KnownSecrets): RegExp | null {
  let re = base64Patterns.get(known);
  if (re === undefined) {
    const needles = [...known.base64].sort((x, y) => y.length - x.length);
    re = needles.length ? new RegExp(needles.map(escapeRegExp).join('|'), 'g') : null;
    base64Patterns.set(known, re);
  }
  return re;
}

/** The folded needles as one case-insensitive pattern, longest first. */
function foldedPattern(known: KnownSecrets): RegExp | null {
  let re = foldedPatterns.get(known);
  if (re === undefined) {
    const needles = [...known.folded].sort((x, y) => y.length - x.length);
    re = needles.length ? new RegExp(needles.map(escapeRegExp).join('|'), 'gi') : null;
    foldedPatterns.set(known, re);
  }
  return re;
}

/**
 * Every [from, to) in `text` where a needle occurs. A base64 hit widens to its whole run, as far
 * as the characters stood side by side before decoding (`adjacent`): not across a removed line
 * break into the next line's words.
 */
function find(
  text: string,
  known: KnownSecrets,
  adjacent: (left: number) => boolean = () => true,
): [number, number][] {
  const spans: [number, number][] = [];
  // One case-insensitive pass for every folded needle (compiled once per set), instead of
  // lowercasing each string: without the `u` flag a match is one code unit per needle
  // character, so spans keep their positions (a non-ASCII character that folds onto a needle's
  // letter only widens what is removed).
  const re = foldedPattern(known);
  if (re) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      spans.push([m.index, m.index + m[0].length]);
      re.lastIndex = m.index + 1; // overlapping occurrences too
    }
  }
  const b64 = base64Pattern(known);
  if (!b64) return spans;
  b64.lastIndex = 0;
  for (let m = b64.exec(text); m !== null; m = b64.exec(text)) {
    let from = m.index;
    let to = m.index + m[0].length;
    while (from > 0 && BASE64_CHAR.test(text[from - 1]!) && adjacent(from - 1)) from--;
    while (to < text.length && BASE64_CHAR.test(text[to]!) && adjacent(to - 1)) to++;
    while (to < text.length && text[to] === '=' && adjacent(to - 1)) to++; // padding
    spans.push([from, to]);
    b64.lastIndex = to; // the next search starts after the widened run
  }
  return spans;
}

/** The spans of `text` where a known secret stands, in any shape, merged and in order. */
function knownSpans(text: string, known: KnownSecrets): [number, number][] {
  const spans = find(text, known);
  // Each round decodes what the previous left; spans map back through every round.
  let level: Decoded | undefined = decodeOnce(text);
  let toOriginal = (from: number, to: number): [number, number] => [from, to];
  for (let round = 0; level && round < MAX_DECODE_ROUNDS; round++) {
    const { start, end } = level;
    const outer = toOriginal;
    const map = (from: number, to: number): [number, number] => {
      const [a] = outer(start[from]!, start[from]! + 1);
      const [, b] = outer(end[to - 1]! - 1, end[to - 1]!);
      return [a, b];
    };
    const adjacent = (left: number) => end[left] === start[left + 1];
    for (const [from, to] of find(level.text, known, adjacent)) spans.push(map(from, to));
    toOriginal = map;
    level = decodeOnce(level.text);
  }
  if (spans.length < 2) return spans;
  spans.sort((x, y) => x[0] - y[0]);
  const merged: [number, number][] = [spans[0]!];
  for (const [from, to] of spans.slice(1)) {
    const last = merged.at(-1)!;
    if (from <= last[1]) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }
  return merged;
}

/** Replaces every occurrence of a known secret, in any of the shapes above, with `marker`. */
export function redactKnown(text: string, known: KnownSecrets, marker: string): string {
  if (text.length < known.shortest) return text;
  const spans = knownSpans(text, known);
  if (spans.length === 0) return text;
  let out = '';
  let at = 0;
  for (const [from, to] of spans) {
    out += text.slice(at, from) + marker;
    at = to;
  }
  return out + text.slice(at);
}
