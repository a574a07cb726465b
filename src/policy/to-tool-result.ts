import type { CallToolResult } from '@modelcontextprotocol/server';
import type { AppError } from '../errors/app-error.ts';
import { type FilterOptions, filterValue } from '../secrets/filter.ts';

/**
 * The tool-caller's error mapper (src/README.md): an isError result that says what went wrong and
 * what to do, with a machine-readable code for agents that branch on it. Never a stack trace.
 * Error texts quote WorkOS (names, emails, field values): they pass the same response filter as
 * any result, PII redaction included when the team asks for it.
 */
export function toToolResult(e: AppError, filter: FilterOptions): CallToolResult {
  const lines = [`Error (${e.code}): ${e.message}`];
  if (e.fields?.length) lines.push(...e.fields.map((f) => `- ${f.field}: ${f.message}`));
  if (e.hint) lines.push(`What to do: ${e.hint}`);
  if (e.retryAfterSeconds !== undefined) lines.push(`Retry after: ${e.retryAfterSeconds} seconds.`);
  return { isError: true, content: [{ type: 'text', text: filterValue(lines.join('\n'), filter) }] };
}
