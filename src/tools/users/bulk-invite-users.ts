import type { InvitationResponse } from '@workos-inc/node';
import { z } from 'zod';
import { AppError } from '../../errors/app-error.ts';
import { fromWorkOSError } from '../../workos/errors.ts';
import { callOperation } from '../catalogue/call.ts';
import { environmentArg, WRITE } from '../common.ts';
import { defineTool } from '../types.ts';
import { BULK_MAX_BYTES, BULK_MAX_ROWS, type InviteRow, readInviteCsv } from './bulk-csv.ts';
import { organizationPeople } from './existing.ts';
import { getOrganization } from './lookups.ts';
import { type PaceReport, sendPaced } from './paced.ts';
import { loadRoles, ROLE_SLUG_PATTERN, roleProblem, teamRoleProblem } from './roles.ts';

const STATUSES = ['invited', 'would_invite', 'skipped', 'invalid', 'failed', 'not_attempted'] as const;
type RowStatus = (typeof STATUSES)[number];

const rowShape = z.object({
  line: z.number().int().describe('Line of the CSV this row is on (blank lines count).'),
  email: z.string(),
  role: z.string().nullable(),
  status: z.enum(STATUSES),
  invitation_id: z.string().nullable(),
  reason: z
    .string()
    .nullable()
    .describe(
      'Why the row was skipped (already invited, already a member), invalid, failed or not attempted.',
    ),
});
type RowOut = z.infer<typeof rowShape>;

const isEmail = (s: string) => s.length <= 320 && z.email().safeParse(s).success;
const clip = (s: string, n = 80) => (s.length > n ? `${s.slice(0, n)}…` : s);

/** "line 3 (bad email), line 5 (…)" for the transcript, at most `max` of them. */
function lines(rows: RowOut[], max = 10): string {
  const listed = rows.slice(0, max).map((r) => `line ${r.line} (${r.reason ?? r.status})`);
  return `${listed.join('; ')}${rows.length > max ? `; and ${rows.length - max} more` : ''}`;
}

export const bulkInviteUsers = defineTool({
  name: 'bulk_invite_users',
  title: 'Invite users from a CSV',
  description: `Invite many people into one organization from CSV text, such as an employee export ("invite everyone in acme_employees.csv": pass the file's text). The first line is the header, columns in any order: an "email" column is required ("Work Email", "E-mail Address" also count), a "role" column (role slug) is optional, and every other column (name, team, manager…) is ignored and named in ignored_columns. Quoted fields (RFC 4180) are supported; blank lines are ignored but counted for line numbers. At most ${BULK_MAX_ROWS} data rows and ${BULK_MAX_BYTES / 1024} KB. Every row is checked first: a bad email, an unknown role, or an email repeated in the file makes the row "invalid"; an email that already has a pending invitation or is already a member is "skipped" (reported, not failed). The valid rest are invited one at a time within WorkOS's rate limits, waiting out a rate-limit refusal when the wait is short ("invited" with the invitation id; "failed" with WorkOS's error); if WorkOS keeps refusing, the rest are "not_attempted" and progress says when to call again with the same CSV (already-invited rows are then skipped). Every data row appears in rows with its line number and outcome. dry_run: true checks everything and invites nobody ("would_invite": the per-row preview). A CSV that cannot be read safely (no header or no email column — the error names the headers found —, a row with more cells than the header, unterminated quote, too big) is refused as a whole, naming the line.`,
  input: z.strictObject({
    csv: z
      .string()
      .min(1)
      .max(BULK_MAX_BYTES, `must be at most ${BULK_MAX_BYTES / 1024} KB; split the list`)
      .describe(
        'CSV text: a header with an "email" column (optional "role"; other columns ignored), then one person per line.',
      ),
    organization_id: z
      .string()
      .min(1)
      .max(200)
      .describe('The organization (org_…) everyone is invited into.'),
    default_role: z
      .string()
      .min(1)
      .max(100)
      .regex(ROLE_SLUG_PATTERN, 'must be a role slug such as member or admin')
      .optional()
      .describe(
        'Role for rows whose role cell is empty or absent (default: the organization’s default role).',
      ),
    dry_run: z.boolean().optional().describe('Check every row and report, but invite nobody.'),
    environment: environmentArg,
  }),
  output: z.object({
    organization_id: z.string(),
    organization_name: z.string(),
    dry_run: z.boolean(),
    data_rows: z.number().int(),
    columns: z
      .object({ email: z.string(), role: z.string().nullable() })
      .describe('The header columns read.'),
    ignored_columns: z.array(z.string()).describe('Header columns that were not used (as written).'),
    counts: z.object({
      invited: z.number().int(),
      would_invite: z.number().int(),
      skipped: z.number().int(),
      invalid: z.number().int(),
      failed: z.number().int(),
      not_attempted: z.number().int(),
    }),
    progress: z
      .object({
        to_invite: z.number().int().describe('Rows that passed every check and were to be invited.'),
        attempted: z.number().int().describe('Of those, how many were sent to WorkOS.'),
        complete: z.boolean(),
        rate_limit_waits_seconds: z
          .array(z.number().int())
          .describe('Each wait for WorkOS’s rate-limit window to reopen, in order.'),
        retry_after_seconds: z
          .number()
          .int()
          .nullable()
          .describe('When it stopped for WorkOS’s rate limit: call again with the same CSV after this.'),
      })
      .describe('How far the invitations went (dry runs attempt nothing).'),
    role_check: z
      .enum(['workos_roles', 'slug_format'])
      .describe('Whether roles were checked against WorkOS’s role list or only by their format.'),
    rows: z.array(rowShape),
  }),
  annotations: WRITE,
  kind: 'write',
  permission: 'workos:write',
  async run(ctx, args) {
    const csv = readInviteCsv(args.csv);
    const rows = csv.rows;
    const orgId = args.organization_id;
    const org = await getOrganization(ctx, orgId);
    const catalog = await loadRoles(ctx, orgId);
    if (args.default_role) {
      const problem = roleProblem(catalog, args.default_role);
      if (problem) {
        throw new AppError('invalid_input', `default_role: ${problem}. Nothing was invited.`, {
          fields: [{ field: 'default_role', message: problem }],
        });
      }
    }
    const people = await organizationPeople(ctx, orgId);

    const firstLine = new Map<string, number>();
    const judged: { row: InviteRow; out: RowOut }[] = rows.map((row) => {
      const role = row.role || args.default_role || null;
      const out: RowOut = {
        line: row.line,
        email: clip(row.email, 320),
        role: role === null ? null : clip(role, 100),
        status: 'would_invite',
        invitation_id: null,
        reason: null,
      };
      const invalid = (reason: string) => Object.assign(out, { status: 'invalid' as RowStatus, reason });
      const skipped = (reason: string) => Object.assign(out, { status: 'skipped' as RowStatus, reason });
      const email = row.email.toLowerCase();
      if (email === '') return { row, out: invalid('the email cell is empty') };
      if (!isEmail(row.email))
        return { row, out: invalid(`"${clip(row.email)}" is not a valid email address`) };
      const first = firstLine.get(email);
      if (first !== undefined)
        return { row, out: invalid(`duplicate: ${email} is already on line ${first}`) };
      firstLine.set(email, row.line);
      if (role !== null) {
        const problem = roleProblem(catalog, role) ?? teamRoleProblem(ctx, orgId, catalog, role);
        if (problem) return { row, out: invalid(problem) };
      }
      const pending = people.pending.get(email);
      if (pending) {
        return {
          row,
          out: skipped(`already has a pending invitation (${pending.id}, expires ${pending.expires_at})`),
        };
      }
      if (people.members.has(email)) return { row, out: skipped(`already a member of ${org.name}`) };
      return { row, out };
    });

    const toInvite = judged.filter((j) => j.out.status === 'would_invite');
    let pace: PaceReport = { attempted: 0, waits: [] };
    if (!args.dry_run) {
      pace = await sendPaced(
        toInvite,
        async ({ row, out }) => {
          const email = row.email.toLowerCase();
          try {
            const inv = await callOperation<InvitationResponse>(
              ctx,
              'invitations.send',
              { email, organization_id: orgId, ...(out.role && { role_slug: out.role }) },
              `invite ${email}`,
            );
            Object.assign(out, { status: 'invited', invitation_id: inv.id, email });
          } catch (e) {
            const error = fromWorkOSError(e, `invite ${email}`);
            if (error.code === 'rate_limited') throw error; // waited out by sendPaced
            // Invited or joined since the check (another caller): reported, not failed.
            const already = error.code === 'conflict' || /already/i.test(error.message);
            Object.assign(out, { status: already ? 'skipped' : 'failed', reason: error.message });
          }
        },
        { signal: ctx.signal },
      );
      const why =
        pace.stopped?.reason === 'rate_limited'
          ? `not attempted: WorkOS's rate limit; call again with the same CSV in ${pace.stopped.retryAfterSeconds} seconds`
          : 'not attempted: the call was cancelled';
      for (const { out } of toInvite.slice(pace.attempted))
        Object.assign(out, { status: 'not_attempted', reason: why });
    }

    const outRows = judged.map((j) => j.out);
    const count = (s: RowStatus) => outRows.filter((r) => r.status === s).length;
    const counts = {
      invited: count('invited'),
      would_invite: count('would_invite'),
      skipped: count('skipped'),
      invalid: count('invalid'),
      failed: count('failed'),
      not_attempted: count('not_attempted'),
    };
    const parts = args.dry_run
      ? [
          `Dry run for ${org.name}: ${counts.would_invite} of ${outRows.length} rows would be invited; nobody was.`,
        ]
      : [`${org.name}: invited ${counts.invited} of ${outRows.length} rows.`];
    if (csv.ignoredColumns.length > 0)
      parts.push(
        `Ignored columns: ${csv.ignoredColumns.slice(0, 10).join(', ')}${csv.ignoredColumns.length > 10 ? '…' : ''}.`,
      );
    if (pace.waits.length > 0)
      parts.push(`Waited ${pace.waits.reduce((a, b) => a + b, 0)} s in all for WorkOS's rate limit.`);
    if (pace.stopped?.reason === 'rate_limited')
      parts.push(
        `Stopped after ${pace.attempted} of ${toInvite.length} invitations: WorkOS's rate limit. Call again with the same CSV in ${pace.stopped.retryAfterSeconds} seconds to invite the ${counts.not_attempted} left (those already invited are skipped).`,
      );
    for (const s of ['invalid', 'skipped', 'failed'] as const) {
      const these = outRows.filter((r) => r.status === s);
      if (these.length > 0) parts.push(`${these.length} ${s}: ${lines(these)}.`);
    }
    // An HR export's "Role" column often holds job titles, not WorkOS role slugs.
    const roleRows = judged.filter((j) => j.row.role);
    if (roleRows.length > 1 && roleRows.every((j) => /role/.test(j.out.reason ?? '')))
      parts.push(
        `No cell of the "${csv.roleColumn}" column is a role of this organization (job titles?): rename that column in the CSV so it is ignored, and pass default_role.`,
      );
    if (!people.complete)
      parts.push(
        'The organization is very large: some existing invitations or members may not have been checked.',
      );
    return {
      structured: {
        organization_id: orgId,
        organization_name: org.name,
        dry_run: args.dry_run === true,
        data_rows: outRows.length,
        columns: { email: csv.emailColumn, role: csv.roleColumn },
        ignored_columns: csv.ignoredColumns,
        counts,
        progress: {
          to_invite: toInvite.length,
          attempted: pace.attempted,
          complete: args.dry_run === true || pace.attempted === toInvite.length,
          rate_limit_waits_seconds: pace.waits,
          retry_after_seconds:
            pace.stopped?.reason === 'rate_limited' ? pace.stopped.retryAfterSeconds : null,
        },
        role_check: catalog.known ? ('workos_roles' as const) : ('slug_format' as const),
        rows: outRows,
      },
      summary: parts.join(' '),
    };
  },
});
