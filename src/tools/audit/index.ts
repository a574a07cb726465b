import type { ToolDefinition } from '../types.ts';
import { auditConfiguration } from './audit-configuration.ts';
import { generateAdminPortalLink } from './generate-admin-portal-link.ts';
import { getAuditLogEvents } from './get-audit-log-events.ts';
import { listEvents } from './list-events.ts';
import { listSuspiciousSignIns } from './suspicious-sign-ins.ts';

/** The audit tools (docs/architecture.md "The MCP surface and the policy pipeline"). */
export const AUDIT_TOOLS: ToolDefinition[] = [
  getAuditLogEvents,
  listEvents,
  auditConfiguration,
  generateAdminPortalLink,
  listSuspiciousSignIns,
] as unknown as ToolDefinition[];
