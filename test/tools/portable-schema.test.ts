import { describe, expect, test } from 'bun:test';
import { z } from 'zod';
import { portableSchema } from '../../src/tools/portable-schema.ts';

const wire = (s: z.ZodType) =>
  portableSchema(z.toJSONSchema(s, { unrepresentable: 'any' })) as Record<string, unknown>;
const ANY = (v: Record<string, unknown>) => Array.isArray(v.anyOf) && (v.anyOf as unknown[]).length === 6;

describe('portable schema', () => {
  test('a nullable field — one type per anyOf branch, its constraints on the value branch', () => {
    const s = wire(z.object({ at: z.string().min(3).describe('When').nullable() }));
    const at = (s.properties as Record<string, Record<string, unknown>>).at!;
    expect(at.type).toBeUndefined();
    expect(at.anyOf).toEqual([{ type: 'string', minLength: 3, description: 'When' }, { type: 'null' }]);
  });

  test('a nullable enum — the null leaves the value branch', () => {
    const s = portableSchema({
      type: ['string', 'null'],
      enum: ['read', 'write', null],
      description: 'Level',
    });
    expect(s).toEqual({
      description: 'Level',
      anyOf: [{ type: 'string', enum: ['read', 'write'] }, { type: 'null' }],
    });
  });

  test('a free-form record — additionalProperties says any value with `true`, not an empty schema', () => {
    const s = wire(z.object({ metadata: z.record(z.string(), z.unknown()) }));
    const m = (s.properties as Record<string, Record<string, unknown>>).metadata!;
    expect(m.additionalProperties).toBe(true);
    expect(m.type).toBe('object');
  });

  test('an unknown value — spelled as explicit JSON branches, annotations kept', () => {
    const s = wire(z.object({ body: z.unknown().describe('The answer') }));
    const body = (s.properties as Record<string, Record<string, unknown>>).body!;
    expect(body.description).toBe('The answer');
    expect(ANY(body)).toBe(true);
  });

  test('already portable schemas are unchanged', () => {
    const plain = z.toJSONSchema(
      z.strictObject({ id: z.string(), n: z.number().int().optional(), tags: z.array(z.string()) }),
    );
    expect(portableSchema(plain)).toEqual(plain);
  });
});
