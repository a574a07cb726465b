import type { ToolDefinition } from '../types.ts';

/** The directories tools (DESIGN §3). */
export const DIRECTORIES_TOOLS: ToolDefinition[] = [];
