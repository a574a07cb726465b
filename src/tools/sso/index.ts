import type { ToolDefinition } from '../types.ts';

/** The sso tools (DESIGN §3). */
export const SSO_TOOLS: ToolDefinition[] = [];
