import { describe, expect, test } from 'bun:test';
import { csvCell } from '../../src/audit/export.ts';

describe('audit export CSV cells', () => {
  test('csvCell — a leading formula character is neutralised with a quote mark', () => {
    for (const lead of ['=', '+', '-', '@', '\t', '\r'])
      expect(csvCell(`${lead}1+1`)).toContain(`'${lead}1+1`);
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
  });

  test('csvCell — a semicolon or a tab keeps the cell quoted, so a ;-separated locale cannot split off a formula', () => {
    expect(csvCell('x;=cmd|/c calc')).toBe('"x;=cmd|/c calc"');
    expect(csvCell('x\t=1')).toBe('"x\t=1"');
  });

  test('csvCell — plain values stay bare; commas, quotes and line breaks are quoted (RFC 4180)', () => {
    expect(csvCell('list_workos_organizations')).toBe('list_workos_organizations');
    expect(csvCell(42)).toBe('42');
    expect(csvCell(null)).toBe('');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
  });
});
