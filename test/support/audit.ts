/** The audit trail as a test reads it back. */
import { desc, eq } from 'drizzle-orm';
import { schema } from '../../src/db/client.ts';
import type { TestGatehouse } from './server.ts';

/** The newest audit entry of a tool, by the trail's own order (seq; ids of one millisecond sort by chance). */
export function lastAuditEntry(gh: TestGatehouse, tool: string) {
  return gh.ctx.db
    .select()
    .from(schema.auditEntries)
    .where(eq(schema.auditEntries.tool, tool))
    .orderBy(desc(schema.auditEntries.seq))
    .limit(1)
    .all()[0];
}
