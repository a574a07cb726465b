/**
 * JSON Schema every MCP client accepts (docs/architecture.md, "The MCP surface and the policy
 * pipeline"). zod writes a nullable field as `type: ["string", "null"]` and an unconstrained value
 * as `{}`: both legal, but clients that map tool schemas onto a single-`type` dialect (the OpenAPI
 * subset of Gemini function declarations, for one) reject or mangle them; the official MCP
 * Inspector's `--strict` portability check flags each. The wire form spells them portably:
 * a type list becomes `anyOf` branches of one type each, and an unconstrained value says what it
 * is (any JSON value, as explicit branches). The contract is unchanged.
 */

type Schema = Record<string, unknown>;

/** Keywords that describe a schema rather than constrain it: they stay on the outer node. */
const ANNOTATIONS = new Set([
  'title',
  'description',
  'default',
  'examples',
  'deprecated',
  'readOnly',
  'writeOnly',
]);
/** Keywords that constrain a value; a schema with none of them accepts anything. */
const CONSTRAINTS = [
  'type',
  'enum',
  'const',
  'anyOf',
  'oneOf',
  'allOf',
  'not',
  '$ref',
  'properties',
  'items',
  'additionalProperties',
  'prefixItems',
  'pattern',
  'format',
];

/** Any JSON value, spelled as branches of one type each (an array of anything: of objects or scalars). */
const ANY_JSON: Schema = {
  anyOf: [
    { type: 'object', additionalProperties: true },
    {
      type: 'array',
      items: {
        anyOf: [
          { type: 'object', additionalProperties: true },
          { type: 'string' },
          { type: 'number' },
          { type: 'boolean' },
          { type: 'null' },
        ],
      },
    },
    { type: 'string' },
    { type: 'number' },
    { type: 'boolean' },
    { type: 'null' },
  ],
};

function unconstrained(s: Schema): boolean {
  return !CONSTRAINTS.some((k) => k in s);
}

/** The portable spelling of one schema node and everything under it. */
export function portableSchema(node: unknown, position: 'value' | 'additionalProperties' = 'value'): unknown {
  if (node === true && position === 'additionalProperties') return true;
  if (!node || typeof node !== 'object' || Array.isArray(node)) return node;
  const s = node as Schema;
  if (unconstrained(s)) {
    // `additionalProperties: {}` means "any value": the boolean says so without an empty schema.
    if (position === 'additionalProperties') return true;
    return { ...annotationsOf(s), ...ANY_JSON };
  }
  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'properties' && v && typeof v === 'object') {
      out[k] = Object.fromEntries(Object.entries(v as Schema).map(([name, p]) => [name, portableSchema(p)]));
    } else if (k === 'additionalProperties') {
      out[k] = portableSchema(v, 'additionalProperties');
    } else if (k === 'items' || k === 'not') {
      out[k] = portableSchema(v);
    } else if ((k === 'anyOf' || k === 'oneOf' || k === 'allOf' || k === 'prefixItems') && Array.isArray(v)) {
      out[k] = v.map((b) => portableSchema(b));
    } else {
      out[k] = v;
    }
  }
  if (Array.isArray(out.type)) return splitTypes(out);
  return out;
}

function annotationsOf(s: Schema): Schema {
  return Object.fromEntries(Object.entries(s).filter(([k]) => ANNOTATIONS.has(k)));
}

/** `type: [A, B]` → `anyOf: [{type: A, …its keywords}, {type: B}]`, annotations kept outside. */
function splitTypes(s: Schema): Schema {
  const types = s.type as string[];
  const { type: _type, ...rest } = s;
  const outer = annotationsOf(rest);
  const inner = Object.fromEntries(Object.entries(rest).filter(([k]) => !ANNOTATIONS.has(k)));
  const branches = types.map((t) =>
    t === 'null' ? { type: 'null' } : { type: t, ...keywordsFor(t, inner) },
  );
  return { ...outer, anyOf: branches };
}

/** The keywords of a multi-type node that belong to the branch of type `t`. */
function keywordsFor(t: string, inner: Schema): Schema {
  const byType: Record<string, string[]> = {
    string: ['enum', 'const', 'pattern', 'format', 'minLength', 'maxLength'],
    number: ['enum', 'const', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'],
    integer: ['enum', 'const', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'],
    object: [
      'properties',
      'required',
      'additionalProperties',
      'propertyNames',
      'minProperties',
      'maxProperties',
    ],
    array: ['items', 'prefixItems', 'minItems', 'maxItems', 'uniqueItems'],
    boolean: ['enum', 'const'],
  };
  const allowed = new Set(byType[t] ?? []);
  const picked = Object.fromEntries(Object.entries(inner).filter(([k]) => allowed.has(k)));
  // An enum listing null next to values belongs to the value branch without its null.
  if (Array.isArray(picked.enum)) picked.enum = (picked.enum as unknown[]).filter((v) => v !== null);
  return picked;
}
