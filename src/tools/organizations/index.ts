import type { ToolDefinition } from '../types.ts';
import { createOrganization } from './create-organization.ts';
import { deleteOrganization } from './delete-organization.ts';
import { getOrganizationDetails } from './get-organization-details.ts';
import { listOrganizations } from './list-organizations.ts';
import { updateOrganization } from './update-organization.ts';
import { verifyOrganizationDomain } from './verify-organization-domain.ts';

/** The organizations tools (docs/architecture.md "The MCP surface and the policy pipeline"). */
export const ORGANIZATIONS_TOOLS: ToolDefinition[] = [
  listOrganizations,
  getOrganizationDetails,
  createOrganization,
  updateOrganization,
  deleteOrganization,
  verifyOrganizationDomain,
] as unknown as ToolDefinition[];
