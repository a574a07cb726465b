/**
 * A deliberately small reader for Snowflake SQL that answers one question: does this text only read?
 * It tokenises just enough (comments, strings, quoted identifiers, `$$` strings, parentheses) to find
 * where each statement starts, and says "read" only for statements it positively recognises. Every
 * doubt — an unterminated string, a nested or odd comment, an unknown first word — means "not read".
 */

type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'punct';
interface Token {
  kind: TokenKind;
  /** Words upper-cased; quoted identifiers without quotes; punctuation as the character. */
  text: string;
}

/** First words of statements that only read, as the whole statement. */
const READ_COMMANDS = new Set(['SHOW', 'DESCRIBE', 'DESC', 'EXPLAIN', 'LIST']);

/**
 * Characters that may end a line comment in some lexer but not in ours; a comment containing one is
 * refused rather than guessed about (the text after it could be SQL to Snowflake and comment to us).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const AMBIGUOUS_IN_COMMENT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u0085\u2028\u2029]|\r(?!\n)/;

const WORD_START = /[A-Za-z_]/;
const WORD_PART = /[A-Za-z0-9_$]/;
const DIGIT = /[0-9]/;
const WHITESPACE = new Set([' ', '\t', '\n', '\r']);

/**
 * Splits SQL into tokens, or `undefined` when it cannot be read with certainty. `backslashEscapes`
 * chooses whether `\'` inside a single-quoted string escapes the quote (Snowflake's rule); callers
 * try both readings so that neither can hide a statement inside what the other takes for a string.
 */
function tokenize(sql: string, backslashEscapes: boolean): Token[] | undefined {
  const tokens: Token[] = [];
  const n = sql.length;
  let i = 0;
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (WHITESPACE.has(c)) {
      i++;
    } else if ((c === '-' && next === '-') || (c === '/' && next === '/')) {
      const nl = sql.indexOf('\n', i);
      const end = nl === -1 ? n : nl + 1;
      if (AMBIGUOUS_IN_COMMENT.test(sql.slice(i, end))) return undefined;
      i = end;
    } else if (c === '/' && next === '*') {
      const close = sql.indexOf('*/', i + 2);
      if (close === -1) return undefined;
      const body = sql.slice(i + 2, close);
      // Nesting rules differ between SQL dialects: refuse rather than pick one.
      if (body.includes('/*') || AMBIGUOUS_IN_COMMENT.test(body)) return undefined;
      i = close + 2;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      for (;;) {
        if (j >= n) return undefined;
        const ch = sql[j];
        if (c === "'" && backslashEscapes && ch === '\\') {
          j += 2;
        } else if (ch === c) {
          if (sql[j + 1] !== c) break;
          j += 2;
        } else {
          j++;
        }
      }
      tokens.push({ kind: c === "'" ? 'string' : 'quoted', text: sql.slice(i + 1, j) });
      i = j + 1;
    } else if (c === '$' && next === '$') {
      const close = sql.indexOf('$$', i + 2);
      // `$$$` at either end could be read as a `$` inside or outside the string: refuse.
      if (close === -1 || sql[i + 2] === '$' || sql[close + 2] === '$') return undefined;
      tokens.push({ kind: 'string', text: sql.slice(i + 2, close) });
      i = close + 2;
    } else if (WORD_START.test(c) || DIGIT.test(c)) {
      let j = i + 1;
      // Numbers take the same characters as words so that `1$$` never starts a string here.
      while (j < n && (WORD_PART.test(sql[j]!) || (DIGIT.test(c) && sql[j] === '.'))) j++;
      const text = sql.slice(i, j);
      tokens.push(DIGIT.test(c) ? { kind: 'number', text } : { kind: 'word', text: text.toUpperCase() });
      i = j;
    } else {
      const ch = String.fromCodePoint(sql.codePointAt(i)!);
      tokens.push({ kind: 'punct', text: ch });
      i += ch.length;
    }
  }
  return tokens;
}

const isPunct = (t: Token | undefined, p: string): boolean => t?.kind === 'punct' && t.text === p;
const isWord = (t: Token | undefined, w: string): boolean => t?.kind === 'word' && t.text === w;

/** Statements separated by `;` or chained with the flow operator `->>`. Empty ones are dropped. */
function splitStatements(tokens: Token[]): Token[][] {
  const statements: Token[][] = [];
  let current: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (isPunct(t, ';')) {
      statements.push(current);
      current = [];
    } else if (isPunct(t, '-') && isPunct(tokens[i + 1], '>') && isPunct(tokens[i + 2], '>')) {
      statements.push(current);
      current = [];
      i += 2;
    } else {
      current.push(t);
    }
  }
  statements.push(current);
  return statements.filter((s) => s.length > 0);
}

/** Index of the `)` closing the `(` at `open`, or -1. */
function closingParen(tokens: Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (isPunct(tokens[i], '(')) depth++;
    else if (isPunct(tokens[i], ')') && --depth === 0) return i;
  }
  return -1;
}

/** A query (SELECT, or WITH … SELECT), possibly in parentheses. */
function isReadQuery(tokens: Token[]): boolean {
  let k = 0;
  while (isPunct(tokens[k], '(')) k++;
  if (isWord(tokens[k], 'SELECT')) return true;
  if (isWord(tokens[k], 'WITH')) return isReadWith(tokens.slice(k + 1));
  return false;
}

/** `[RECURSIVE] name [(cols)] AS (query) [, …] main` where every CTE and the main statement read. */
function isReadWith(tokens: Token[]): boolean {
  let i = isWord(tokens[0], 'RECURSIVE') ? 1 : 0;
  for (;;) {
    const name = tokens[i];
    if (name?.kind !== 'word' && name?.kind !== 'quoted') return false;
    i++;
    if (isPunct(tokens[i], '(')) {
      const close = closingParen(tokens, i);
      if (close === -1) return false;
      i = close + 1;
    }
    if (!isWord(tokens[i], 'AS')) return false;
    i++;
    // `name AS PROCEDURE …` (an anonymous procedure) and anything else that is not `( query )`.
    if (!isPunct(tokens[i], '(')) return false;
    const close = closingParen(tokens, i);
    if (close === -1 || !isReadQuery(tokens.slice(i + 1, close))) return false;
    i = close + 1;
    if (!isPunct(tokens[i], ',')) break;
    i++;
  }
  return isReadQuery(tokens.slice(i));
}

/**
 * Words that make a statement a write even inside a SELECT: `INTO` (SELECT … INTO, scripting
 * assignments) and the SYSTEM$ functions, many of which act (SYSTEM$CANCEL_QUERY, SYSTEM$ABORT_SESSION…).
 */
function hasActingWord(tokens: Token[]): boolean {
  return tokens.some(
    (t) =>
      (t.kind === 'word' && t.text === 'INTO') ||
      ((t.kind === 'word' || t.kind === 'quoted') && t.text.toUpperCase().startsWith('SYSTEM$')),
  );
}

function isReadStatement(tokens: Token[]): boolean {
  if (hasActingWord(tokens)) return false;
  const first = tokens[0];
  if (first?.kind === 'word' && READ_COMMANDS.has(first.text)) return true;
  return isReadQuery(tokens);
}

function isReadUnder(sql: string, backslashEscapes: boolean): boolean {
  const tokens = tokenize(sql, backslashEscapes);
  if (tokens === undefined) return false;
  const statements = splitStatements(tokens);
  return statements.length > 0 && statements.every(isReadStatement);
}

/**
 * True only when every statement in `sql` starts (after comments and whitespace, any case) with
 * SELECT, SHOW, DESCRIBE, DESC, EXPLAIN or LIST, or is a WITH whose CTEs and main statement are
 * SELECTs; and the text reads the same way whether or not backslashes escape quotes.
 */
export function isReadOnlySql(sql: string): boolean {
  return isReadUnder(sql, true) && isReadUnder(sql, false);
}
