import type { ToolDefinition } from '../types.ts';

/** The users tools (DESIGN §3). */
export const USERS_TOOLS: ToolDefinition[] = [];
