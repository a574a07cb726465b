import type { ToolDefinition } from '../types.ts';

/** The organizations tools (DESIGN §3). */
export const ORGANIZATIONS_TOOLS: ToolDefinition[] = [];
