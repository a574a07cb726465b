/** The Pipes providers configured in both local environments: the ones Gatehouse has modules for. */
export interface SeedProvider {
  slug: string;
  name: string;
  scopes: string[];
}

export const PIPES_PROVIDERS: readonly SeedProvider[] = [
  { slug: 'linear', name: 'Linear', scopes: ['read', 'write'] },
  { slug: 'notion', name: 'Notion', scopes: ['read_content', 'update_content', 'insert_content'] },
  { slug: 'snowflake', name: 'Snowflake', scopes: ['session:role:ANALYST'] },
  { slug: 'github', name: 'GitHub', scopes: ['repo', 'read:org'] },
  { slug: 'slack', name: 'Slack', scopes: ['channels:read', 'channels:history', 'chat:write'] },
];
