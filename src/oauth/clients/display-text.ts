/**
 * Text a client supplies about itself and a human later reads (its name on the consent screen,
 * the connections page, whoami). Characters that are invisible or reorder what is shown would
 * let a client look like another one, so such text is refused, never silently rewritten.
 */

/**
 * Control (Cc), format (Cf: bidi embeddings/overrides/isolates U+202A–U+202E, U+2066–U+2069,
 * zero-width U+200B–U+200F, U+2060–U+2064, U+FEFF, soft hyphen, tags…), line and paragraph
 * separators, private-use, unassigned and lone surrogate code points, and the letters that
 * render as nothing (Hangul fillers, braille blank, combining grapheme joiner).
 */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}\p{Cs}\u115f\u1160\u3164\uffa0\u2800]|\u034f/u;

const NAMES: Record<number, string> = {
  8203: 'ZERO WIDTH SPACE',
  8204: 'ZERO WIDTH NON-JOINER',
  8205: 'ZERO WIDTH JOINER',
  8206: 'LEFT-TO-RIGHT MARK',
  8207: 'RIGHT-TO-LEFT MARK',
  8234: 'LEFT-TO-RIGHT EMBEDDING',
  8235: 'RIGHT-TO-LEFT EMBEDDING',
  8236: 'POP DIRECTIONAL FORMATTING',
  8237: 'LEFT-TO-RIGHT OVERRIDE',
  8238: 'RIGHT-TO-LEFT OVERRIDE',
  8294: 'LEFT-TO-RIGHT ISOLATE',
  8295: 'RIGHT-TO-LEFT ISOLATE',
  8296: 'FIRST STRONG ISOLATE',
  8297: 'POP DIRECTIONAL ISOLATE',
  65279: 'ZERO WIDTH NO-BREAK SPACE',
};

function describe(cp: number): string {
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  const name = NAMES[cp];
  if (name) return `${hex} ${name}`;
  if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) return `${hex}, a control character`;
  return hex;
}

/**
 * Why `value` cannot be shown to a human as a client's own text, or undefined when it can. The
 * reason names the first offending code point and its position (1-based, in code points).
 */
export function displayTextProblem(value: string, shownOn = 'the consent screen'): string | undefined {
  if (!HIDDEN.test(value)) return undefined;
  let position = 0;
  for (const ch of value) {
    position++;
    if (HIDDEN.test(ch)) {
      const cp = ch.codePointAt(0)!;
      const kind =
        (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp === 0x200e || cp === 0x200f
          ? 'bidirectional control characters'
          : cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)
            ? 'control characters'
            : 'invisible or formatting characters';
      return `must not contain ${kind} (found ${describe(cp)} at position ${position}): they can disguise what ${shownOn} shows`;
    }
  }
  return undefined;
}
