import type { ToolDefinition } from '../types.ts';
import { deleteDirectory } from './delete-directory.ts';
import { getDirectoryDetails } from './get-directory-details.ts';
import { listDirectories } from './list-directories.ts';
import { listDirectoryGroups } from './list-directory-groups.ts';
import { listDirectoryUsers } from './list-directory-users.ts';

/** The directories tools (docs/architecture.md "The MCP surface and the policy pipeline"). */
export const DIRECTORIES_TOOLS: ToolDefinition[] = [
  listDirectories,
  getDirectoryDetails,
  listDirectoryUsers,
  listDirectoryGroups,
  deleteDirectory,
] as unknown as ToolDefinition[];
