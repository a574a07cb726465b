/**
 * A strict RFC 4180 reader for text an agent pastes (invitation lists, audit log exports).
 * Every record keeps the line it starts on, so a problem can always be pointed at.
 */

/** One record and the (1-based) line it starts on; a quoted field may span several lines. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

export type CsvParse =
  | { ok: true; records: CsvRecord[]; blankLines: number[] }
  | { ok: false; line: number; reason: string };

/**
 * Parses CSV text (RFC 4180 §2: `,` separators, CRLF or LF line ends, fields optionally quoted,
 * `""` for a quote inside a quoted field). Blank lines are skipped but still counted, so line
 * numbers match what a human sees in an editor. A stray or unterminated quote is an error naming
 * its line rather than a guess.
 */
export function parseCsv(input: string): CsvParse {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const records: CsvRecord[] = [];
  const blankLines: number[] = [];
  let line = 1;
  let recordLine = 1;
  let fields: string[] = [];
  let field = '';
  let inQuotes = false;
  let quoted = false;
  let anyQuoted = false;
  let afterQuote = false;
  let quoteLine = 1;

  const endRecord = () => {
    fields.push(field);
    const blank = !anyQuoted && fields.length === 1 && (fields[0] ?? '').trim() === '';
    if (blank) blankLines.push(recordLine);
    else records.push({ line: recordLine, fields });
    fields = [];
    field = '';
    quoted = false;
    anyQuoted = false;
    afterQuote = false;
  };

  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          inQuotes = false;
          afterQuote = true;
        }
      } else {
        if (c === '\n') line++;
        field += c;
      }
      continue;
    }
    if (c === ',') {
      fields.push(field);
      field = '';
      quoted = false;
      afterQuote = false;
      continue;
    }
    if (c === '\r' || c === '\n') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
      continue;
    }
    if (afterQuote) {
      // Spaces after a closing quote are a common, harmless slip; anything else is ambiguous.
      if (c === ' ' || c === '\t') continue;
      return {
        ok: false,
        line,
        reason: `unexpected text after a closing quote (a quoted field must end right before "," or the line end)`,
      };
    }
    if (c === '"') {
      if (quoted || field.trim() !== '') {
        return {
          ok: false,
          line,
          reason: 'a quote inside an unquoted field: quote the whole field and double the inner quotes ("")',
        };
      }
      field = '';
      inQuotes = true;
      quoted = true;
      anyQuoted = true;
      quoteLine = line;
      continue;
    }
    field += c;
  }
  if (inQuotes) {
    return { ok: false, line: quoteLine, reason: 'a quoted field is never closed (unterminated quote)' };
  }
  // The last record, unless the text ended with a line break.
  if (fields.length > 0 || field !== '' || anyQuoted) endRecord();
  return { ok: true, records, blankLines };
}
