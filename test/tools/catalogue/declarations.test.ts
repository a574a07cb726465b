/**
 * The catalogue's declarations themselves: every operation is documented in README's table,
 * strict about its parameters, linked to the WorkOS API reference, and none reaches what the
 * catalogue never offers.
 */
import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { AREAS, OPERATIONS } from '../../../src/tools/catalogue/catalogue.ts';

const README = readFileSync(join(import.meta.dir, '../../../README.md'), 'utf8');

describe('catalogue declarations', () => {
  test('README — its table lists every operation, and every operation it lists exists', () => {
    for (const op of OPERATIONS) expect(README).toContain(`\`${op.name}\``);
    const table = README.slice(README.indexOf('| area | read (`query`)'));
    const named = [...table.slice(0, table.indexOf('\n\n')).matchAll(/`([a-z_]+\.[a-z_]+)`/g)].map(
      (m) => m[1],
    );
    expect(named.sort()).toEqual(OPERATIONS.map((o) => o.name).sort());
    for (const area of AREAS) expect(table).toContain(`| ${area} |`);
  });

  test('declarations — names are area-unique, documented, strict, and destructive ones can describe themselves', () => {
    for (const op of OPERATIONS) {
      expect(op.name).toMatch(/^[a-z_]+\.[a-z_]+$/);
      expect(op.docs).toStartWith('https://workos.com/docs/reference/');
      const schema = z.toJSONSchema(op.params, { io: 'input', unrepresentable: 'any' }) as {
        additionalProperties?: unknown;
      };
      expect(schema.additionalProperties).toBe(false);
      if (op.kind === 'destructive') expect(op.describe).toBeDefined();
      if (op.kind === 'read') expect(op.permission).toBe('workos:read');
      else expect(['workos:write', 'gatehouse:admin']).toContain(op.permission);
      for (const param of op.path.matchAll(/:([a-z_]+)/g))
        expect(Object.keys(op.params.shape)).toContain(String(param[1]));
    }
  });

  test('declarations — nothing reaches API keys, client secrets, Vault, impersonation or the team itself', () => {
    for (const op of OPERATIONS)
      expect(op.path).not.toMatch(
        /api_keys|client_secrets|vault|impersonat|certificate|\/sso\/token|authenticate|widgets/,
      );
  });
});
