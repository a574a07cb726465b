import type { Tool } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { Principal } from '../oauth/principal.ts';
import type { McpSessionState, ToolDefinition } from './types.ts';

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
    inputSchema: input as Tool['inputSchema'],
    outputSchema: output as Tool['outputSchema'],
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
   * The tools the caller may use now (tools/list): none when the team's MCP access is off;
   * only those whose permission the caller holds; no writes while the team is read-only; no
   * session tools (switch_environment) for a sessionless (2026-07-28) caller.
   */
  visible(p: Principal, session?: McpSessionState): ToolDefinition[] {
    if (!p.settings.enabled || p.settings.killedAt !== null) return [];
    return this.all().filter((d) => {
      if (!p.permissions.includes(d.permission)) return false;
      if (d.requiresSession && !session) return false;
      if ((d.kind === 'write' || d.kind === 'destructive') && !p.settings.allowWrite) return false;
      // An impersonated session reads only (seeds/000): its writes are not offered either.
      if ((d.kind === 'write' || d.kind === 'destructive') && p.impersonator) return false;
      return true;
    });
  }
}
