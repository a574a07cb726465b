import type { Tool } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { Principal } from '../oauth/principal.ts';
import { type DecisionContext, decide } from '../policy/decide.ts';
import { portableSchema } from './portable-schema.ts';
import type { ToolDefinition } from './types.ts';

/** The MCP wire form of a tool (tools/list), computed once per tool. */
function toWire(def: ToolDefinition): Tool {
  const input = z.toJSONSchema(def.input, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  const output = z.toJSONSchema(def.output, { io: 'output', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  delete input.$schema;
  delete output.$schema;
  return {
    name: def.name,
    title: def.title,
    description: def.description,
    inputSchema: portableSchema(input) as Tool['inputSchema'],
    outputSchema: portableSchema(output) as Tool['outputSchema'],
    annotations: { title: def.title, ...def.annotations },
  };
}

/** All tools, and which of them a caller may use right now. */
export class ToolRegistry {
  private readonly byName = new Map<string, ToolDefinition>();
  private readonly wire = new Map<string, Tool>();

  constructor(defs: readonly ToolDefinition[]) {
    for (const d of defs) {
      if (this.byName.has(d.name)) throw new Error(`duplicate tool ${d.name}`);
      this.byName.set(d.name, d);
    }
  }

  get(name: string): ToolDefinition | undefined {
    return this.byName.get(name);
  }

  all(): ToolDefinition[] {
    return [...this.byName.values()];
  }

  wireOf(def: ToolDefinition): Tool {
    let w = this.wire.get(def.name);
    if (!w) {
      w = toWire(def);
      this.wire.set(def.name, w);
    }
    return w;
  }

  /**
   * The tools the caller may use now (tools/list): exactly those the pipeline's own decision
   * (policy/decide.ts) allows in the caller's current environment, arguments aside, so what an
   * agent is shown and what it may call can never disagree.
   */
  visible(p: Principal, context: DecisionContext): ToolDefinition[] {
    return this.all().filter((d) => decide(p, d, context).allowed);
  }
}
