export * from './approvals.ts';
export * from './audit.ts';
export * from './cache.ts';
export * from './enums.ts';
export * from './mcp.ts';
export * from './oauth.ts';
export * from './sessions.ts';
export * from './teams.ts';
