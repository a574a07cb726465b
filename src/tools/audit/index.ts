import type { ToolDefinition } from '../types.ts';
import { auditConfiguration } from './audit-configuration.ts';
import { generateAdminPortalLink } from './generate-admin-portal-link.ts';
import { getAuditLogEvents } from './get-audit-log-events.ts';
import { listEvents } from './list-events.ts';

/** The audit tools (DESIGN §3). */
export const AUDIT_TOOLS: ToolDefinition[] = [
  getAuditLogEvents,
  listEvents,
  auditConfiguration,
  generateAdminPortalLink,
] as unknown as ToolDefinition[];
