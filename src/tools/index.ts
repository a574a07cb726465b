import { AUDIT_TOOLS } from './audit/index.ts';
import { CATALOGUE_TOOLS } from './catalogue/index.ts';
import { DIRECTORIES_TOOLS } from './directories/index.ts';
import { INTEGRATIONS_TOOLS } from './integrations/index.ts';
import { ORGANIZATIONS_TOOLS } from './organizations/index.ts';
import { switchEnvironment } from './session/switch-environment.ts';
import { whoami } from './session/whoami.ts';
import { SSO_TOOLS } from './sso/index.ts';
import type { ToolDefinition } from './types.ts';
import { USERS_TOOLS } from './users/index.ts';

/** Every tool Gatehouse offers (names are a contract: docs/architecture.md "The MCP surface and the policy pipeline"). */
export const ALL_TOOLS: ToolDefinition[] = [
  whoami as unknown as ToolDefinition,
  switchEnvironment as unknown as ToolDefinition,
  ...ORGANIZATIONS_TOOLS,
  ...SSO_TOOLS,
  ...DIRECTORIES_TOOLS,
  ...USERS_TOOLS,
  ...AUDIT_TOOLS,
  ...INTEGRATIONS_TOOLS,
  ...CATALOGUE_TOOLS,
];
