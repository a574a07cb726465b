import type { ToolDefinition } from '../types.ts';
import { listOperations } from './list-operations.ts';
import { mutate } from './mutate.ts';
import { query } from './query.ts';

/** The operations catalogue's three tools (issue 19 §2). */
export const CATALOGUE_TOOLS = [listOperations, query, mutate] as unknown as ToolDefinition[];
