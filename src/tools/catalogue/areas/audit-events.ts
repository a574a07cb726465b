/**
 * Audit logs, events, webhook endpoints and feature flags
 * (https://workos.com/docs/reference/audit-logs, https://workos.com/docs/reference/events,
 * https://workos.com/docs/reference/webhooks, https://workos.com/docs/reference/feature-flags).
 * Webhook endpoints are read only, and their signing secret is never shown.
 */
import { z } from 'zod';
import { DOT_SEGMENT, id, notDotSegment, page, slug } from '../args.ts';
import { fetchObject } from '../http.ts';
import { defineOperation } from '../types.ts';

const AUDIT = 'https://workos.com/docs/reference/audit-logs';
const orgId = id('org_', 'organization');
const timestamp = z.iso.datetime({ offset: true }).describe('An ISO 8601 timestamp.');
const actionName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[a-z0-9_.-]+$/, 'must be an action like "user.signed_in" (lowercase, ".", "_", "-")')
  .refine(notDotSegment, DOT_SEGMENT);
/** Metadata of a schema, as WorkOS takes it: a JSON Schema object ({ type: "object", properties: {…} }). */
const jsonSchema = z
  .record(z.string(), z.unknown())
  .describe(
    'A JSON Schema object, e.g. { "type": "object", "properties": { "role": { "type": "string" } } }.',
  );
const names = z.array(z.string().min(1).max(200)).max(50);

export const AUDIT_EVENT_OPERATIONS = [
  defineOperation({
    name: 'audit_logs.list_actions',
    area: 'audit_logs',
    summary: 'List the audit-log actions the environment has schemas for.',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/audit_logs/actions',
    params: z.strictObject({ ...page }),
    docs: `${AUDIT}/schema`,
  }),
  defineOperation({
    name: 'audit_logs.list_schemas',
    area: 'audit_logs',
    summary: 'List the schema versions of an audit-log action, newest first.',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/audit_logs/actions/:action/schemas',
    params: z.strictObject({ action: actionName, ...page }),
    docs: `${AUDIT}/schema/list`,
  }),
  defineOperation({
    name: 'audit_logs.create_schema',
    area: 'audit_logs',
    summary: 'Create (or version) the schema of an audit-log action: its targets and metadata.',
    kind: 'write',
    permission: 'workos:write',
    method: 'POST',
    path: '/audit_logs/actions/:action/schemas',
    params: z.strictObject({
      action: actionName,
      targets: z
        .array(z.strictObject({ type: z.string().min(1).max(100), metadata: jsonSchema.optional() }))
        .min(1)
        .max(20),
      actor: z.strictObject({ metadata: jsonSchema }).optional(),
      metadata: jsonSchema.optional(),
    }),
    docs: `${AUDIT}/schema/create`,
  }),
  defineOperation({
    name: 'audit_logs.create_export',
    area: 'audit_logs',
    summary:
      'Start a CSV export of an organization’s audit-log events in a time range; poll audit_logs.get_export.',
    kind: 'write',
    permission: 'workos:write',
    method: 'POST',
    path: '/audit_logs/exports',
    params: z.strictObject({
      organization_id: orgId,
      range_start: timestamp,
      range_end: timestamp,
      actions: names.optional(),
      actor_names: names.optional(),
      actor_ids: names.optional(),
      targets: names.optional(),
    }),
    docs: `${AUDIT}/export/create`,
  }),
  defineOperation({
    name: 'audit_logs.get_export',
    area: 'audit_logs',
    summary:
      'Get an export’s state (pending, ready, error); read a ready one’s events with get_audit_log_events and its export_id (its download URL is never shown).',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/audit_logs/exports/:id',
    params: z.strictObject({ id: id('audit_log_export_', 'audit-log export') }),
    docs: `${AUDIT}/export/get`,
  }),
  defineOperation({
    name: 'audit_logs.get_retention',
    area: 'audit_logs',
    summary: 'Get how many days an organization’s audit-log events are kept.',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/organizations/:id/audit_logs_retention',
    params: z.strictObject({ id: orgId }),
    docs: `${AUDIT}/retention/get`,
  }),
  defineOperation({
    name: 'audit_logs.set_retention',
    area: 'audit_logs',
    summary:
      'Set how many days an organization’s audit-log events are kept: 30 or 365. Setting 30 deletes older events, so it is described and confirmed first, like a delete.',
    kind: 'write',
    permission: 'workos:write',
    method: 'PUT',
    path: '/organizations/:id/audit_logs_retention',
    params: z.strictObject({ id: orgId, retention_period_in_days: z.union([z.literal(30), z.literal(365)]) }),
    docs: `${AUDIT}/retention/set`,
    // Shortening the window deletes the customer's older audit-log events (their compliance
    // trail): the destructive gate's describe-then-confirm, never a plain write.
    destroysWhen: (p) => p.retention_period_in_days === 30,
    async describe(ctx, p) {
      const now = await fetchObject(
        ctx,
        `/organizations/${encodeURIComponent(p.id)}/audit_logs_retention`,
        `the audit-log retention of ${p.id}`,
      );
      const days = typeof now.retention_period_in_days === 'number' ? now.retention_period_in_days : null;
      const loss =
        days !== null && days <= p.retention_period_in_days
          ? `it is ${days} days already, so nothing more is deleted.`
          : `its audit-log events older than ${p.retention_period_in_days} days are deleted and cannot be brought back.`;
      return {
        summary: `Setting organization ${p.id}'s audit-log retention to ${p.retention_period_in_days} days (now ${days ?? 'unknown'}) in ${ctx.environment}: ${loss}`,
        details: {
          organization_id: p.id,
          retention_period_in_days: { now: days, new: p.retention_period_in_days },
        },
      };
    },
  }),
  defineOperation({
    name: 'audit_logs.get_configuration',
    area: 'audit_logs',
    summary:
      'Get an organization’s audit-log configuration: retention, its trail’s state and its log stream.',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/organizations/:id/audit_log_configuration',
    params: z.strictObject({ id: orgId }),
    docs: `${AUDIT}/configuration`,
  }),

  defineOperation({
    name: 'events.list',
    area: 'events',
    summary:
      'List events (dsync.*, user.*, authentication.* — Radar’s detections are authentication.radar_risk_detected) by type, organization and time range.',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/events',
    params: z.strictObject({
      events: z
        .array(z.string().min(1).max(100))
        .min(1)
        .max(50)
        .describe('Event types, e.g. ["dsync.user.created"].'),
      organization_id: orgId.optional(),
      range_start: timestamp.optional(),
      range_end: timestamp.optional(),
      limit: page.limit,
      after: page.after,
      // The SDK's ListEventOptions and WorkOS's generated SDKs take `order` (default desc).
      order: page.order,
    }),
    // An invitation event must not carry what lets its holder join (WorkOS documents its data
    // without them: @workos-inc/node's InvitationEventResponse has no token, no accept URL), and
    // neither may a password reset's; the embedded WorkOS sends the whole invitation, so they are
    // removed here whatever WorkOS sends, as invitations.* remove them.
    secrets: ['token', 'accept_invitation_url', 'password_reset_token', 'password_reset_url'],
    docs: 'https://workos.com/docs/reference/events/list',
  }),

  defineOperation({
    name: 'webhook_endpoints.list',
    area: 'webhook_endpoints',
    summary: 'List webhook endpoints: URL, status and events (their signing secrets are never shown).',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/webhook_endpoints',
    params: z.strictObject({ ...page }),
    secrets: ['secret'],
    docs: 'https://workos.com/docs/reference/webhooks/list',
  }),
  defineOperation({
    name: 'webhook_endpoints.get',
    area: 'webhook_endpoints',
    summary: 'Get one webhook endpoint (its signing secret is never shown).',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/webhook_endpoints/:id',
    params: z.strictObject({ id: id('we_', 'webhook endpoint') }),
    secrets: ['secret'],
    docs: 'https://workos.com/docs/reference/webhooks/get',
  }),

  defineOperation({
    name: 'feature_flags.list',
    area: 'feature_flags',
    summary: 'List the environment’s feature flags.',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/feature-flags',
    params: z.strictObject({ ...page }),
    docs: 'https://workos.com/docs/reference/feature-flags/flag/list',
  }),
  defineOperation({
    name: 'feature_flags.get',
    area: 'feature_flags',
    summary: 'Get one feature flag by slug.',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/feature-flags/:slug',
    params: z.strictObject({ slug: slug('feature flag') }),
    docs: 'https://workos.com/docs/reference/feature-flags/flag/get',
  }),
  defineOperation({
    name: 'feature_flags.enable',
    area: 'feature_flags',
    summary: 'Turn a feature flag on for the environment.',
    kind: 'write',
    permission: 'workos:write',
    method: 'PUT',
    path: '/feature-flags/:slug/enable',
    params: z.strictObject({ slug: slug('feature flag') }),
    docs: 'https://workos.com/docs/reference/feature-flags/flag/enable',
  }),
  defineOperation({
    name: 'feature_flags.disable',
    area: 'feature_flags',
    summary: 'Turn a feature flag off for the environment.',
    kind: 'write',
    permission: 'workos:write',
    method: 'PUT',
    path: '/feature-flags/:slug/disable',
    params: z.strictObject({ slug: slug('feature flag') }),
    docs: 'https://workos.com/docs/reference/feature-flags/flag/disable',
  }),
  defineOperation({
    name: 'feature_flags.list_for_organization',
    area: 'feature_flags',
    summary: 'List the feature flags enabled for an organization.',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/organizations/:id/feature-flags',
    params: z.strictObject({ id: orgId, ...page }),
    docs: 'https://workos.com/docs/reference/feature-flags/flag/list-for-organization',
  }),
];
