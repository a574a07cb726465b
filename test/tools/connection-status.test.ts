/**
 * How a Pipes connected account's state becomes what the agent is told
 * (https://workos.com/docs/reference/pipes/connected-account: connected, needs_reauthorization,
 * disconnected), and the scopes it lacks.
 */
import { expect, test } from 'bun:test';
import { pipesConnections, pipesProblem, statusOf } from '../../src/tools/integrations/connection-status.ts';

const account = (state: string, scopes: string[] = []) => ({ state, scopes });

test('statusOf — only `connected` is connected; disconnected and any unknown state are not', () => {
  expect(statusOf(null)).toBe('not_installed');
  expect(statusOf(account('connected'))).toBe('connected');
  expect(statusOf(account('needs_reauthorization'))).toBe('needs_reauthorization');
  expect(statusOf(account('disconnected'))).toBe('disconnected');
  expect(statusOf(account('suspended_by_a_future_api'))).toBe('disconnected');
});

test('pipesConnections — missing scopes are the integration’s requested scopes the account lacks', () => {
  const map = pipesConnections([
    {
      slug: 'github',
      scopes: ['repo', 'read:org'],
      connectedAccount: { ...account('connected', ['repo']), accountDisplayName: 'ada' },
    },
    { slug: 'slack', scopes: null, connectedAccount: account('connected', ['chat:write']) },
    { slug: 'notion', scopes: ['read_content'], connectedAccount: account('disconnected') },
    { slug: 'linear', scopes: ['read'], connectedAccount: null },
  ]);
  expect(map.get('github')).toEqual({
    status: 'connected',
    missingScopes: ['read:org'],
    account: 'ada',
    config: {},
  });
  expect(map.get('slack')!.missingScopes).toEqual([]);
  expect(map.get('notion')).toMatchObject({ status: 'disconnected', missingScopes: [] });
  expect(map.get('linear')).toMatchObject({ status: 'not_installed', account: null });
});

test('pipesProblem — what the human must do, or nothing for a complete connection', () => {
  const c = (
    status: 'connected' | 'needs_reauthorization' | 'disconnected',
    missingScopes: string[] = [],
  ) => ({
    status,
    missingScopes,
    account: null,
    config: {},
  });
  expect(pipesProblem('Slack', c('connected'))).toBeUndefined();
  expect(pipesProblem('GitHub', c('connected', ['read:org']))).toContain('re-authorizes GitHub');
  expect(pipesProblem('Notion', c('needs_reauthorization', ['insert_content']))).toContain(
    'missing scopes: insert_content',
  );
  expect(pipesProblem('GitHub', c('disconnected'))).toContain('was disconnected');
  expect(pipesProblem('Linear', undefined)).toContain('not connected');
});
