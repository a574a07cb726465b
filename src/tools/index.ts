import { switchEnvironment } from './session/switch-environment.ts';
import { whoami } from './session/whoami.ts';
import type { ToolDefinition } from './types.ts';

/** Every tool Gatehouse offers (names are a contract: DESIGN §3). */
export const ALL_TOOLS: ToolDefinition[] = [whoami, switchEnvironment] as unknown as ToolDefinition[];
