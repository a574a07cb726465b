import type { ToolDefinition } from '../types.ts';
import { callIntegrationApi } from './call-integration-api.ts';
import { checkAccessRequest } from './check-access-request.ts';
import { listIntegrations } from './list-integrations.ts';
import { requestElevatedAccess } from './request-elevated-access.ts';

/** The WorkOS Pipes tools (docs/architecture.md "Human in the loop (Pipes)"). */
export const INTEGRATIONS_TOOLS = [
  listIntegrations,
  requestElevatedAccess,
  checkAccessRequest,
  callIntegrationApi,
] as unknown as ToolDefinition[];
