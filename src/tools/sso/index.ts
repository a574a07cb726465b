import type { ToolDefinition } from '../types.ts';
import { deleteSsoConnection } from './delete-connection.ts';
import { diagnoseSsoSignIn } from './diagnose-sign-in.ts';
import { getSsoConnectionDetails } from './get-connection-details.ts';
import { listSsoConnections } from './list-connections.ts';

/** The sso tools (docs/architecture.md "The MCP surface and the policy pipeline"). */
export const SSO_TOOLS: ToolDefinition[] = [
  listSsoConnections,
  getSsoConnectionDetails,
  deleteSsoConnection,
  diagnoseSsoSignIn,
] as unknown as ToolDefinition[];
