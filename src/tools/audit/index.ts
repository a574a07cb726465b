import type { ToolDefinition } from '../types.ts';

/** The audit tools (DESIGN §3). */
export const AUDIT_TOOLS: ToolDefinition[] = [];
