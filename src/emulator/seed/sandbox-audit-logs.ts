/**
 * Sandbox audit logs, as customer applications record them: Acme Corp has a month of activity
 * (one event older than 30 days), Global Tech and Stark a little, Initech none (the empty export).
 */
import { CANARY_API_KEY } from './canaries.ts';
import { DAY, EDGE_WIN, HOUR } from './sandbox-activity.ts';
import type { SeedAuditLogEvent } from './types.ts';

const acmeActor = (name: string, id: string) => ({ id, name, type: 'user' });
const ALICE = acmeActor('Alice Anders', 'acme_user_alice');
const BOB = acmeActor('Bob Brown', 'acme_user_bob');

export const SANDBOX_AUDIT_LOG_EVENTS: SeedAuditLogEvent[] = [
  {
    organization: 'Acme Corp',
    action: 'user.signed_in',
    minutesAgo: 30,
    actor: ALICE,
    targets: [],
    location: '198.51.100.23',
  },
  {
    organization: 'Acme Corp',
    action: 'document.updated',
    minutesAgo: 2 * HOUR,
    actor: BOB,
    targets: [{ id: 'doc_q3_forecast', name: 'Q3 forecast', type: 'document' }],
    location: '198.51.100.24',
    user_agent: EDGE_WIN,
  },
  {
    organization: 'Acme Corp',
    action: 'user.invited',
    minutesAgo: DAY,
    actor: ALICE,
    targets: [{ id: 'acme_user_carol_new', name: 'carol.new@acme.test', type: 'user' }],
    location: '198.51.100.23',
  },
  {
    organization: 'Acme Corp',
    action: 'api_key.created',
    minutesAgo: 5 * DAY,
    actor: ALICE,
    targets: [{ id: 'acme_key_ci', name: 'CI pipeline', type: 'api_key' }],
    location: '198.51.100.23',
    // An application that logged the key it created: the export must not hand it to an agent.
    metadata: { key: CANARY_API_KEY },
  },
  {
    organization: 'Acme Corp',
    action: 'document.deleted',
    minutesAgo: 20 * DAY,
    actor: BOB,
    targets: [{ id: 'doc_old_pricing', name: 'Old pricing', type: 'document' }],
    location: '198.51.100.24',
  },
  {
    organization: 'Acme Corp',
    action: 'settings.updated',
    minutesAgo: 40 * DAY,
    actor: ALICE,
    targets: [{ id: 'acme_settings', type: 'settings' }],
    location: '198.51.100.23',
    metadata: { setting: 'session_timeout', from: '8h', to: '12h' },
  },
  {
    organization: 'Global Tech',
    action: 'user.signed_in',
    minutesAgo: 2 * HOUR,
    actor: { id: 'gt_user_grace', name: 'Grace Green', type: 'user' },
    targets: [],
    location: '198.51.100.40',
  },
  {
    organization: 'Global Tech',
    action: 'report.exported',
    minutesAgo: 2 * DAY,
    actor: { id: 'gt_user_grace', name: 'Grace Green', type: 'user' },
    targets: [{ id: 'report_headcount', name: 'Headcount', type: 'report' }],
    location: '198.51.100.40',
  },
  {
    organization: 'Stark Industries',
    action: 'user.signed_out',
    minutesAgo: 7 * DAY,
    actor: { id: 'stark_user_tony', name: 'Tony Stark', type: 'user' },
    targets: [],
    location: '203.0.113.10',
  },
];
